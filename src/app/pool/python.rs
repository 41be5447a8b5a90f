//! The Python that does what the pool lab does, for the panel and the log.

use crate::app::numbers::thousands;
use crate::lab::pool::{ChunkChoice, JobSpec, Method, PoolConfig};

use super::claims::Pool;

/// A rate in items per second: exact below ten million, in millions above.
pub fn rate(per_s: f64) -> String {
    if per_s >= 10e6 {
        format!("{:.0} M", per_s / 1e6)
    } else {
        thousands(per_s.round().max(0.0) as u64)
    }
}

/// The name the pool object has in the Python shown.
pub fn pool_var(executor: bool) -> &'static str {
    if executor { "ex" } else { "pool" }
}

/// `pool = Pool(2, initializer=init, maxtasksperchild=5)`.
pub fn constructor(config: &PoolConfig) -> String {
    let mut options = String::new();
    if config.init_ms > 0 {
        options.push_str(", initializer=init");
    }
    if let Some(m) = config.maxtasks {
        let name = if config.executor {
            "max_tasks_per_child"
        } else {
            "maxtasksperchild"
        };
        options.push_str(&format!(", {name}={m}"));
    }
    let n = config.workers.to_string();
    let make = if config.executor {
        Pool::MakeExecutor
    } else {
        Pool::MakePool
    };
    make.fill(&[("n", &n), ("options", &options)])
}

/// `pool.close(); pool.join()`, or the executor's `shutdown`.
pub fn close(config: &PoolConfig) -> String {
    if config.executor {
        Pool::Shutdown.fill(&[])
    } else {
        Pool::Close.fill(&[])
    }
}

/// The claim of the call that submits a job with `method`.
pub fn call_claim(method: Method) -> Pool {
    match method {
        Method::Map => Pool::Map,
        Method::Imap => Pool::Imap,
        Method::ImapUnordered => Pool::ImapUnordered,
        Method::ApplyAsync => Pool::ApplyAsync,
        Method::Futures => Pool::Futures,
    }
}

/// The call that submits the job, as the method spells it.
pub fn call(spec: &JobSpec) -> String {
    let items = spec.items.to_string();
    let chunk = match (spec.method.chunked(), spec.chunk) {
        (true, ChunkChoice::Fixed(n)) => format!(", chunksize={n}"),
        _ => String::new(),
    };
    call_claim(spec.method).fill(&[("items", &items), ("chunk", &chunk)])
}

/// An executor that retires its workers after more than one task: in
/// CPython 3.11 it deadlocks once its first workers retire (gh-115634).
pub fn executor_deadlocks(config: &PoolConfig) -> bool {
    config.executor && config.maxtasks.is_some_and(|m| m > 1)
}

/// What the executor's `max_tasks_per_child` does in CPython 3.11.
pub fn executor_recycles(config: &PoolConfig) -> Option<String> {
    let m = config.maxtasks.filter(|_| config.executor)?;
    Some(Pool::ExecutorRecycles.fill(&[
        ("n", &config.workers.to_string()),
        ("max", &m.to_string()),
    ]))
}

/// How the method hands results back, in a few words.
pub fn delivery(method: Method) -> &'static str {
    match method {
        Method::Map => "every result at once, in order, when all are done",
        Method::Imap => "results in order, each as soon as those before it are in",
        Method::ImapUnordered => "results as their chunks complete, in any order",
        Method::ApplyAsync => "a callback per item as it completes",
        Method::Futures => "futures as they complete (as_completed)",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lab::pool::Cost;

    fn spec(method: Method, chunk: ChunkChoice) -> JobSpec {
        JobSpec {
            method,
            items: 2000,
            chunk,
            workers: 2,
            maxtasks: Some(5),
            cost: Cost::Uniform,
            item_us: 1000,
            init_ms: 100,
        }
    }

    #[test]
    fn the_python_is_what_one_would_write() {
        assert_eq!(rate(2_812_101.6), "2,812,102");
        assert_eq!(rate(351_988_736.0), "352 M");
        assert_eq!(
            call(&spec(Method::Map, ChunkChoice::Default)),
            "results = pool.map(work, range(2000))"
        );
        assert_eq!(
            call(&spec(Method::ImapUnordered, ChunkChoice::Fixed(1))),
            "for r in pool.imap_unordered(work, range(2000), chunksize=1): ..."
        );
        let s = spec(Method::Futures, ChunkChoice::Fixed(9));
        assert!(!call(&s).contains("chunksize"), "submit takes no chunksize");
        assert_eq!(
            constructor(&s.pool()),
            "ex = ProcessPoolExecutor(2, initializer=init, max_tasks_per_child=5)"
        );
        assert_eq!(
            constructor(&spec(Method::Map, ChunkChoice::Default).pool()),
            "pool = Pool(2, initializer=init, maxtasksperchild=5)"
        );
    }
}
