//! The Python that does what the pool lab does, for the panel and the log.

use crate::app::numbers::thousands;
use crate::lab::pool::{ChunkChoice, JobSpec, Method, PoolConfig};

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
    let mut args = vec![config.workers.to_string()];
    if config.init_ms > 0 {
        args.push("initializer=init".into());
    }
    if let Some(m) = config.maxtasks {
        if config.executor {
            args.push(format!("max_tasks_per_child={m}"));
        } else {
            args.push(format!("maxtasksperchild={m}"));
        }
    }
    let class = if config.executor {
        "ProcessPoolExecutor"
    } else {
        "Pool"
    };
    format!(
        "{} = {class}({})",
        pool_var(config.executor),
        args.join(", ")
    )
}

/// `pool.close(); pool.join()`, or the executor's `shutdown`.
pub fn close(config: &PoolConfig) -> String {
    if config.executor {
        "ex.shutdown(wait=True)".into()
    } else {
        "pool.close(); pool.join()".into()
    }
}

/// The call that submits the job, as the method spells it.
pub fn call(spec: &JobSpec) -> String {
    let items = format!("range({})", spec.items);
    let chunk = match (spec.method.chunked(), spec.chunk) {
        (true, ChunkChoice::Fixed(n)) => format!(", chunksize={n}"),
        _ => String::new(),
    };
    match spec.method {
        Method::Map => format!("results = pool.map(work, {items}{chunk})"),
        Method::Imap => format!("for r in pool.imap(work, {items}{chunk}): ..."),
        Method::ImapUnordered => {
            format!("for r in pool.imap_unordered(work, {items}{chunk}): ...")
        }
        Method::ApplyAsync => {
            format!("[pool.apply_async(work, (x,), callback=got) for x in {items}]")
        }
        Method::Futures => {
            format!("for f in as_completed([ex.submit(work, x) for x in {items}]): ...")
        }
    }
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
