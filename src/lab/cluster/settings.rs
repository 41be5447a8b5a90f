//! What the cluster lab is opened with, the broker's address, and the tasks
//! it sends, with the Python line each one corresponds to.

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

/// Worker nodes started when the lab opens (`--nodes`).
pub const DEFAULT_NODES: usize = 2;
/// Pool processes of each new node (`--concurrency`, Celery's `-c`).
pub const DEFAULT_CONCURRENCY: usize = 1;
/// Tasks in a batch (`--batch`).
pub const DEFAULT_BATCH: usize = 20;
/// `count_primes(n)`'s n: about half a second of one core here.
pub const DEFAULT_PRIMES_UP_TO: u64 = 300_000;
/// Kombu's visibility timeout for the lab (its default is an hour).
pub const DEFAULT_VISIBILITY_TIMEOUT: Duration = Duration::from_secs(10);
/// The most local nodes the lab starts.
pub const MAX_NODES: usize = 16;
/// The most pool processes a node is started with.
pub const MAX_CONCURRENCY: usize = 16;
/// The most tasks in one batch.
pub const MAX_BATCH: usize = 100_000;

/// A Redis broker given by the user: `redis://HOST:PORT/DB`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrokerUrl {
    pub host: String,
    pub port: u16,
    pub db: u32,
}

impl BrokerUrl {
    pub fn localhost(port: u16) -> BrokerUrl {
        BrokerUrl {
            host: "127.0.0.1".into(),
            port,
            db: 0,
        }
    }
}

impl fmt::Display for BrokerUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.host.contains(':') {
            write!(f, "redis://[{}]:{}/{}", self.host, self.port, self.db)
        } else {
            write!(f, "redis://{}:{}/{}", self.host, self.port, self.db)
        }
    }
}

impl FromStr for BrokerUrl {
    type Err = String;

    /// Parses `redis://HOST:PORT/DB` (PORT defaults to 6379, DB to 0).
    fn from_str(text: &str) -> Result<BrokerUrl, String> {
        let bad = |why: &str| format!("--broker {text:?}: {why}; expected redis://HOST:PORT/DB");
        let rest = text
            .strip_prefix("redis://")
            .ok_or_else(|| bad("only redis:// brokers are supported"))?;
        let (addr, db) = match rest.split_once('/') {
            Some((addr, "")) => (addr, 0),
            Some((addr, db)) => (addr, db.parse().map_err(|_| bad("DB is not a number"))?),
            None => (rest, 0),
        };
        if addr.contains('@') {
            return Err(bad("a password in the address is not supported"));
        }
        let (host, port) = if let Some(v6) = addr.strip_prefix('[') {
            let (host, after) = v6.split_once(']').ok_or_else(|| bad("unclosed ["))?;
            let port = after.strip_prefix(':').unwrap_or("6379");
            (host, if after.is_empty() { "6379" } else { port })
        } else {
            addr.split_once(':').unwrap_or((addr, "6379"))
        };
        if host.is_empty() {
            return Err(bad("HOST is missing"));
        }
        let port: u16 = port.parse().map_err(|_| bad("PORT is not a port number"))?;
        if port == 0 {
            return Err(bad("PORT 0 is not a port"));
        }
        Ok(BrokerUrl {
            host: host.into(),
            port,
            db,
        })
    }
}

/// Which broker the lab uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BrokerChoice {
    /// A redis-server of the lab's own, on a free localhost port, stopped
    /// with the lab.
    Own,
    /// A Redis that is already running: the lab starts none and never stops it.
    External(BrokerUrl),
}

/// One kind of task the lab sends.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum TaskKind {
    /// `count_primes(n)`: CPU-bound.
    CountPrimes { n: u64 },
    /// `sleep(seconds)`: waits, using no CPU.
    Sleep { seconds: f64 },
    /// `noop()`: does nothing, so its time is the broker's and Celery's own.
    Noop,
}

impl TaskKind {
    /// The function's name in the tasks module; with `acks_late`, the
    /// twin declared `@app.task(acks_late=True)`. `noop` has no twin.
    pub fn function(self, acks_late: bool) -> &'static str {
        match (self, acks_late) {
            (TaskKind::CountPrimes { .. }, false) => "count_primes",
            (TaskKind::CountPrimes { .. }, true) => "count_primes_late",
            (TaskKind::Sleep { .. }, false) => "sleep",
            (TaskKind::Sleep { .. }, true) => "sleep_late",
            (TaskKind::Noop, _) => "noop",
        }
    }

    /// The name a node looks the task up by: `tasks.count_primes`.
    pub fn task_name(self, acks_late: bool) -> String {
        format!("tasks.{}", self.function(acks_late))
    }

    /// The positional arguments, as JSON.
    pub fn args(self) -> Vec<serde_json::Value> {
        match self {
            TaskKind::CountPrimes { n } => vec![n.into()],
            TaskKind::Sleep { seconds } => vec![seconds.into()],
            TaskKind::Noop => Vec::new(),
        }
    }

    /// The arguments as Python writes them inside the call: `300000`.
    pub fn args_text(self) -> String {
        match self {
            TaskKind::CountPrimes { n } => n.to_string(),
            TaskKind::Sleep { seconds } => python_float(seconds),
            TaskKind::Noop => String::new(),
        }
    }

    /// Python's `repr(args)`, which Celery puts in the `argsrepr` header:
    /// `(300000,)`, `()`.
    pub fn args_repr(self) -> String {
        match self {
            TaskKind::Noop => "()".into(),
            _ => format!("({},)", self.args_text()),
        }
    }

    /// `count_primes.delay(300000)`.
    pub fn python_call(self, acks_late: bool) -> String {
        format!("{}.delay({})", self.function(acks_late), self.args_text())
    }

    /// The Python that sends a batch of `k` of them:
    /// `[count_primes.delay(300000) for _ in range(20)]`.
    pub fn batch_line(self, acks_late: bool, k: usize) -> String {
        format!("[{} for _ in range({k})]", self.python_call(acks_late))
    }
}

/// Python's `repr` of a float, for the values the lab uses: Rust's
/// shortest round-trip form is the same (`2.0`, `0.25`), exponents aside.
fn python_float(x: f64) -> String {
    format!("{x:?}")
}

/// How the lab is opened.
#[derive(Debug, Clone, PartialEq)]
pub struct ClusterSettings {
    pub broker: BrokerChoice,
    /// Nodes started at once.
    pub nodes: usize,
    /// Pool processes of new nodes.
    pub concurrency: usize,
    /// Tasks in a batch.
    pub batch: usize,
    /// What a batch sends.
    pub task: TaskKind,
    /// New tasks are acknowledged after they run, not before.
    pub acks_late: bool,
    /// Written to the nodes' configuration (see the tasks module).
    pub visibility_timeout: Duration,
    /// The Python that runs the nodes; found by [`super::doctor`] when None.
    pub python: Option<PathBuf>,
    /// The redis-server program.
    pub redis_server: PathBuf,
}

impl Default for ClusterSettings {
    fn default() -> Self {
        ClusterSettings {
            broker: BrokerChoice::Own,
            nodes: DEFAULT_NODES,
            concurrency: DEFAULT_CONCURRENCY,
            batch: DEFAULT_BATCH,
            task: TaskKind::CountPrimes {
                n: DEFAULT_PRIMES_UP_TO,
            },
            acks_late: false,
            visibility_timeout: DEFAULT_VISIBILITY_TIMEOUT,
            python: None,
            redis_server: PathBuf::from("redis-server"),
        }
    }
}

impl ClusterSettings {
    /// The Python that runs the nodes: as set, or `python3` on PATH.
    pub fn python_or_default(&self) -> PathBuf {
        self.python
            .clone()
            .unwrap_or_else(|| PathBuf::from("python3"))
    }

    /// Refuses values the lab cannot run with, naming the setting.
    pub fn check(&self) -> Result<(), String> {
        if self.nodes > MAX_NODES {
            return Err(format!("--nodes {}: at most {MAX_NODES}", self.nodes));
        }
        if !(1..=MAX_CONCURRENCY).contains(&self.concurrency) {
            return Err(format!(
                "--concurrency {}: expected 1 to {MAX_CONCURRENCY}",
                self.concurrency
            ));
        }
        if !(1..=MAX_BATCH).contains(&self.batch) {
            return Err(format!("--batch {}: expected 1 to {MAX_BATCH}", self.batch));
        }
        if self.visibility_timeout < Duration::from_secs(1) {
            return Err("the visibility timeout must be at least 1 s".into());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn broker_urls_parse_with_defaults_and_say_what_is_wrong() {
        let url: BrokerUrl = "redis://10.0.0.5:6380/2".parse().unwrap();
        assert_eq!((url.host.as_str(), url.port, url.db), ("10.0.0.5", 6380, 2));
        assert_eq!(url.to_string(), "redis://10.0.0.5:6380/2");
        let url: BrokerUrl = "redis://box".parse().unwrap();
        assert_eq!(url.to_string(), "redis://box:6379/0");
        let url: BrokerUrl = "redis://[::1]:7000/1".parse().unwrap();
        assert_eq!(url.to_string(), "redis://[::1]:7000/1");
        for (bad, why) in [
            ("amqp://h/", "only redis://"),
            ("redis://h:x/0", "PORT is not"),
            ("redis://h:1/x", "DB is not"),
            ("redis://:1/0", "HOST is missing"),
            ("redis://u:p@h:1/0", "password"),
        ] {
            let err = bad.parse::<BrokerUrl>().unwrap_err();
            assert!(err.contains(why) && err.contains(bad), "{err}");
        }
    }

    #[test]
    fn each_task_has_its_python_line() {
        let primes = TaskKind::CountPrimes { n: 300_000 };
        assert_eq!(primes.task_name(false), "tasks.count_primes");
        assert_eq!(primes.task_name(true), "tasks.count_primes_late");
        assert_eq!(primes.args_repr(), "(300000,)");
        assert_eq!(
            primes.batch_line(false, 20),
            "[count_primes.delay(300000) for _ in range(20)]"
        );
        let nap = TaskKind::Sleep { seconds: 2.0 };
        assert_eq!(nap.python_call(true), "sleep_late.delay(2.0)");
        assert_eq!(nap.args_repr(), "(2.0,)");
        assert_eq!(TaskKind::Sleep { seconds: 0.25 }.args_text(), "0.25");
        assert_eq!(TaskKind::Noop.args_repr(), "()");
        assert_eq!(TaskKind::Noop.python_call(true), "noop.delay()");
    }
}
