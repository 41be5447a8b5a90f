//! The open-file limit proclab runs under, and how many workers it allows.
//!
//! proclab holds one fd per worker not yet joined (the pidfd through which
//! it signals and waits for it), and the counter lab's manager holds one
//! per connected worker; everything else proclab opens (the terminal, the
//! shared region, the signal pipe, a recording, `/proc` files while they
//! are read, a worker's fds while it is being started) fits in
//! [`RESERVED_FDS`]. With the usual soft limit of 1,024 open files, workers
//! used to fail with "Too many open files" at about 1,013. So at start the
//! soft limit is raised to the hard one (which any process may do), and
//! `--max-workers` is refused above what the limit then allows.

use rustix::process::{Resource, Rlimit, getrlimit, setrlimit};

/// Fds proclab (or the manager) holds open for each worker.
pub const FDS_PER_WORKER: u64 = 1;
/// Fds kept for everything but the workers.
pub const RESERVED_FDS: u64 = 64;

/// The open-file limits in force: soft (what counts) and hard (how far
/// the soft one may be raised). None is unlimited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpenFiles {
    pub soft: Option<u64>,
    pub hard: Option<u64>,
}

/// The open-file limits of this process.
pub fn open_files() -> OpenFiles {
    let Rlimit { current, maximum } = getrlimit(Resource::Nofile);
    OpenFiles {
        soft: current,
        hard: maximum,
    }
}

/// Raises the soft open-file limit to the hard one, and returns the limits
/// now in force. Workers inherit them. A hard limit of "unlimited" cannot
/// be the soft one (the kernel caps it at `fs.nr_open`): the soft one is
/// then left as it is.
pub fn raise_open_files() -> OpenFiles {
    let now = open_files();
    if let (Some(soft), Some(hard)) = (now.soft, now.hard)
        && soft < hard
    {
        let _ = setrlimit(
            Resource::Nofile,
            Rlimit {
                current: Some(hard),
                maximum: Some(hard),
            },
        );
    }
    open_files()
}

/// The most workers a soft limit of `soft` open files allows.
pub fn workers_allowed(soft: Option<u64>) -> usize {
    match soft {
        None => usize::MAX,
        Some(n) => (n.saturating_sub(RESERVED_FDS) / FDS_PER_WORKER) as usize,
    }
}

/// Refuses a cap of workers the limits do not allow, saying why and what
/// would do.
pub fn check_max_workers(max_workers: usize, limits: OpenFiles) -> Result<(), String> {
    let allowed = workers_allowed(limits.soft);
    if max_workers <= allowed {
        return Ok(());
    }
    let shown = |n: Option<u64>| n.map_or("unlimited".to_string(), |n| n.to_string());
    Err(format!(
        "--max-workers {max_workers} is more than the open-file limit allows: proclab keeps \
         {FDS_PER_WORKER} file open per worker and {RESERVED_FDS} for itself, and may open {} \
         (ulimit -n; hard limit {}): give --max-workers {allowed} or less, or raise the hard limit",
        shown(limits.soft),
        shown(limits.hard),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cap_follows_the_soft_limit() {
        assert_eq!(workers_allowed(Some(1024)), 960);
        assert_eq!(workers_allowed(Some(10)), 0);
        assert_eq!(workers_allowed(None), usize::MAX);
        let low = OpenFiles {
            soft: Some(1024),
            hard: Some(1024),
        };
        assert!(check_max_workers(960, low).is_ok());
        let err = check_max_workers(4096, low).unwrap_err();
        assert!(err.starts_with("--max-workers 4096 is more than"), "{err}");
        assert!(
            err.contains("may open 1024 (ulimit -n; hard limit 1024)"),
            "{err}"
        );
        assert!(err.contains("give --max-workers 960 or less"), "{err}");
    }

    #[test]
    fn raising_never_lowers_a_limit() {
        let before = open_files();
        let after = raise_open_files();
        assert_eq!(after.hard, before.hard);
        assert!(after.soft >= before.soft || after.soft.is_none());
    }
}
