//! The wire format of the Python instrumentation: each message on the
//! socket is a batch of JSON objects, one per line, each with its kind in
//! `"k"`. Decoding never fails as a whole: a line that is not a known event
//! is dropped and counted.

use std::fmt;

use serde::{Deserialize, Deserializer};

/// The version the Python side says in its hello.
pub const VERSION: u32 = 1;
/// Longest message read; a longer one arrives truncated and is dropped.
pub const MAX_MESSAGE: usize = 256 * 1024;

/// A place in the program's source: `file:line`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Site {
    pub file: String,
    pub line: u32,
}

impl Site {
    /// Parses `file:line`; the file may itself contain colons.
    pub fn parse(s: &str) -> Option<Site> {
        let (file, line) = s.rsplit_once(':')?;
        let line = line.parse().ok()?;
        (!file.is_empty()).then(|| Site {
            file: file.to_string(),
            line,
        })
    }
}

impl fmt::Display for Site {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.file, self.line)
    }
}

/// `at`: a site, or None when absent, null or malformed.
fn site<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Site>, D::Error> {
    let s: Option<String> = Option::deserialize(d)?;
    Ok(s.as_deref().and_then(Site::parse))
}

/// What a process says first.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Hello {
    pub v: u32,
    pub pid: u32,
    pub ppid: u32,
    /// `python` (not started by multiprocessing: the program itself or a
    /// subprocess), `fork` (a forked child), `spawn` (a spawned child,
    /// before it says which Process it is), `forkserver`,
    /// `resource_tracker`.
    pub role: String,
    /// `3.11.7`.
    pub py: String,
    /// A free-threaded build (`python3.13t`).
    pub ft: bool,
    /// `sys._is_gil_enabled()` where it exists, else true.
    pub gil: bool,
    #[serde(default)]
    pub exe: Option<String>,
    #[serde(default)]
    pub argv: Vec<String>,
    pub t: f64,
}

/// A `multiprocessing.Process`, as its parent starts it (`start`) or as it
/// says itself once running (`proc`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ProcessInfo {
    /// The child's pid (in `start`; a `proc` is from the child itself).
    #[serde(default)]
    pub pid: Option<u32>,
    #[serde(default)]
    pub name: Option<String>,
    /// `module.qualname` of the target.
    #[serde(default)]
    pub target: Option<String>,
    #[serde(default)]
    pub daemon: bool,
    /// `process`, `pool_worker` or `manager`.
    #[serde(default)]
    pub role: Option<String>,
    /// `fork`, `spawn` or `forkserver`.
    #[serde(default)]
    pub method: Option<String>,
    /// In `proc`: the parent's pid (the forkserver's, for its children).
    #[serde(default)]
    pub ppid: Option<u32>,
    #[serde(default, deserialize_with = "site")]
    pub at: Option<Site>,
    pub t: f64,
}

/// An object the program made: a Queue, Pipe, Lock, Value, Pool, Manager...
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Made {
    /// The class: `Queue`, `JoinableQueue`, `SimpleQueue`, `Pipe`, `Lock`,
    /// `RLock`, `Semaphore`, `BoundedSemaphore`, `Condition`, `Event`,
    /// `Barrier`, `Value`, `Array`, `RawValue`, `RawArray`, `Pool`,
    /// `ThreadPool`, or a manager's class (`SyncManager`).
    pub what: String,
    pub id: String,
    #[serde(default, deserialize_with = "site")]
    pub at: Option<Site>,
    pub t: f64,
    /// Queue, JoinableQueue.
    #[serde(default)]
    pub maxsize: Option<i64>,
    /// Pipe.
    #[serde(default)]
    pub duplex: Option<bool>,
    /// Pipe: the inode of each end (the same for both ends of a one-way
    /// pipe); /proc/PID/fd shows who holds them.
    #[serde(default)]
    pub ends: Vec<Option<u64>>,
    /// Value and Array: the type code (`i`, `d`...) or ctypes type name.
    #[serde(default)]
    pub typecode: Option<String>,
    /// Value: the number; Array: its first elements (a string for `c`).
    #[serde(default)]
    pub value: Option<serde_json::Value>,
    /// Array: its length.
    #[serde(default)]
    pub len: Option<u64>,
    /// Semaphore, BoundedSemaphore: the initial value.
    #[serde(default)]
    pub initial: Option<i64>,
    /// Barrier.
    #[serde(default)]
    pub parties: Option<u32>,
    /// Pool: its processes and their pids.
    #[serde(default)]
    pub processes: Option<u32>,
    #[serde(default)]
    pub workers: Vec<u32>,
    /// Pool: the id of its task queue, which its workers report against.
    #[serde(default)]
    pub inq: Option<String>,
    /// Manager: its server process.
    #[serde(default)]
    pub server: Option<u32>,
}

/// A call on a Pool that makes a job: `map`, `imap`, `imap_unordered`,
/// `starmap`, `apply_async`... or `close`, `terminate`, `join`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Call {
    pub api: String,
    #[serde(default)]
    pub pool: Option<String>,
    #[serde(default)]
    pub job: Option<u64>,
    #[serde(default)]
    pub func: Option<String>,
    #[serde(default)]
    pub chunksize: Option<u64>,
    /// map, starmap: the number of items.
    #[serde(default)]
    pub items: Option<u64>,
    #[serde(default, deserialize_with = "site")]
    pub at: Option<Site>,
    pub t: f64,
}

/// A pool worker's tasks since its last report.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Tasks {
    /// The pool's task queue.
    #[serde(default)]
    pub inq: Option<String>,
    pub job: u64,
    /// Chunk numbers taken, as inclusive ranges.
    #[serde(default)]
    pub took: Vec<(u64, u64)>,
    /// Items in the chunks taken.
    #[serde(default)]
    pub items: u64,
    #[serde(default)]
    pub done: u64,
    #[serde(default)]
    pub failed: u64,
}

/// A thread waiting in a blocking call of the program's.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Wait {
    /// The thread's id in /proc/PID/task (None if unknown).
    #[serde(default)]
    pub tid: Option<u32>,
    /// `Queue.get`, `Queue.put`, `JoinableQueue.join`, `Connection.recv`,
    /// `Connection.poll`, `Process.join`, `Pool.map`, `AsyncResult.get`,
    /// `IMapIterator.next`, `Event.wait`...
    pub call: String,
    /// What it waits on: a queue's id, a child's pid.
    #[serde(default)]
    pub obj: Option<String>,
    #[serde(default, deserialize_with = "site")]
    pub at: Option<Site>,
}

/// One event of one process.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(tag = "k", rename_all = "snake_case")]
pub enum Event {
    Hello(Box<Hello>),
    /// The process's own pipes for these streams (`stdout`, `stderr`)
    /// came with this message, in this order.
    Out {
        streams: Vec<String>,
        t: f64,
    },
    /// The instrumentation's sender thread (named `proclab` in /proc).
    Thread {
        tid: u32,
        t: f64,
    },
    /// The parent started a Process.
    Start(Box<ProcessInfo>),
    /// A Process, running, says what it is.
    Proc(Box<ProcessInfo>),
    /// A Process's own exit code, just before it ends.
    Exit {
        code: Option<i32>,
        t: f64,
    },
    Join {
        pid: Option<u32>,
        exitcode: Option<i32>,
        timeout: Option<f64>,
        #[serde(default, deserialize_with = "site")]
        at: Option<Site>,
        t: f64,
    },
    Terminate {
        pid: Option<u32>,
        #[serde(default, deserialize_with = "site")]
        at: Option<Site>,
        t: f64,
    },
    Kill {
        pid: Option<u32>,
        #[serde(default, deserialize_with = "site")]
        at: Option<Site>,
        t: f64,
    },
    /// The parent learned a child's exit code: for fork and spawn, the
    /// zombie was reaped then. `via` is the multiprocessing function the
    /// program called (`join`, `is_alive`, `start`, `active_children`...).
    Reaped {
        pid: Option<u32>,
        exitcode: Option<i32>,
        via: Option<String>,
        #[serde(default, deserialize_with = "site")]
        at: Option<Site>,
        t: f64,
    },
    Made(Box<Made>),
    /// A queue changed. For a Queue or JoinableQueue, from the process
    /// that made it: `size`, puts minus gets across all processes (what
    /// the queue's own semaphore counts, and qsize() reads), and for a
    /// JoinableQueue `unfinished`, puts not yet matched by task_done().
    /// For a SimpleQueue, from each process using it: its own total `put`
    /// and `get`.
    Q {
        id: String,
        #[serde(default)]
        put: Option<u64>,
        #[serde(default)]
        get: Option<u64>,
        #[serde(default)]
        size: Option<i64>,
        #[serde(default)]
        unfinished: Option<i64>,
    },
    /// A Value's or Array's new value, read by the process that made it.
    Val {
        id: String,
        value: serde_json::Value,
    },
    Call(Box<Call>),
    /// This process is a worker of the pool whose task queue is `inq`.
    Worker {
        inq: Option<String>,
        t: f64,
    },
    Tasks(Box<Tasks>),
    /// A Connection end closed by the program.
    Close {
        ino: u64,
        r: bool,
        w: bool,
        #[serde(default, deserialize_with = "site")]
        at: Option<Site>,
        t: f64,
    },
    /// The threads of this process waiting in a blocking multiprocessing
    /// call, when that set changed (empty: none waits any more).
    Waits {
        w: Vec<Wait>,
        t: f64,
    },
    /// Events the process could not send (its buffer was full, or proclab
    /// was slow to read).
    Dropped {
        n: u64,
        t: f64,
    },
}

impl Event {
    /// When it happened (unix seconds), for the events that say.
    pub fn time(&self) -> Option<f64> {
        match self {
            Event::Hello(h) => Some(h.t),
            Event::Start(p) | Event::Proc(p) => Some(p.t),
            Event::Made(m) => Some(m.t),
            Event::Call(c) => Some(c.t),
            Event::Out { t, .. }
            | Event::Thread { t, .. }
            | Event::Exit { t, .. }
            | Event::Join { t, .. }
            | Event::Terminate { t, .. }
            | Event::Kill { t, .. }
            | Event::Reaped { t, .. }
            | Event::Worker { t, .. }
            | Event::Close { t, .. }
            | Event::Waits { t, .. }
            | Event::Dropped { t, .. } => Some(*t),
            Event::Q { .. } | Event::Val { .. } | Event::Tasks(_) => None,
        }
    }
}

/// The events of one message, and how many of its lines were dropped.
pub fn decode(message: &[u8]) -> (Vec<Event>, usize) {
    let mut events = Vec::new();
    let mut bad = 0;
    for line in message.split(|&b| b == b'\n') {
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        match serde_json::from_slice(line) {
            Ok(e) => events.push(e),
            Err(_) => bad += 1,
        }
    }
    (events, bad)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sites_parse_with_colons_in_the_file() {
        let s = Site::parse("/tmp/a:b.py:12").unwrap();
        assert_eq!((s.file.as_str(), s.line), ("/tmp/a:b.py", 12));
        assert_eq!(Site::parse("nofile"), None);
        assert_eq!(Site::parse(":3"), None);
        assert_eq!(Site::parse("x.py:-1"), None);
    }

    #[test]
    fn a_batch_keeps_good_lines_and_counts_bad_ones() {
        let msg = br#"{"k":"q","id":"1.1","put":3,"get":1}
not json
{"k":"nosuchkind","t":1}
{"k":"join","pid":7,"exitcode":-15,"timeout":null,"at":"x.py:9","t":2.5}
{"k":"made","what":"Queue","id":"1.2","at":"bad site","t":1,"maxsize":5}"#;
        let (events, bad) = decode(msg);
        assert_eq!(bad, 2);
        assert_eq!(events.len(), 3);
        assert_eq!(
            events[0],
            Event::Q {
                id: "1.1".into(),
                put: Some(3),
                get: Some(1),
                size: None,
                unfinished: None,
            }
        );
        match &events[1] {
            Event::Join {
                pid, exitcode, at, ..
            } => {
                assert_eq!((*pid, *exitcode), (Some(7), Some(-15)));
                assert_eq!(at.as_ref().unwrap().to_string(), "x.py:9");
            }
            e => panic!("{e:?}"),
        }
        match &events[2] {
            Event::Made(m) => assert_eq!((m.at.as_ref(), m.maxsize), (None, Some(5))),
            e => panic!("{e:?}"),
        }
    }

    #[test]
    fn garbage_never_panics() {
        for msg in [
            &b""[..],
            b"\n\n",
            b"{",
            b"\xff\xfe",
            b"[1,2]",
            b"{\"k\":\"q\"}",
        ] {
            let (events, _) = decode(msg);
            assert!(events.is_empty());
        }
    }
}
