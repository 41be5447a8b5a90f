//! Reading a watched program's processes and threads from `/proc`: the
//! fields of `stat` a tree needs (parent, group, start time, state, CPU,
//! memory, a zombie's wait status), the context switches in `status`, the
//! command line, and the list of every pid (this kernel has no
//! `/proc/PID/task/TID/children`, so children are found by their parent).

use std::io::Read;
use std::path::Path;
use std::time::Duration;

/// One reading of `/proc/PID/stat` (or of one thread's `stat`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stat {
    pub pid: u32,
    /// The command name (15 bytes at most), as the kernel keeps it.
    pub comm: String,
    /// The kernel's state letter: R, S, D, T, t, Z, X, I ...
    pub state: char,
    pub ppid: u32,
    pub pgid: u32,
    /// User plus system time, in clock ticks.
    pub cpu_ticks: u64,
    pub threads: u32,
    /// When it started, in clock ticks after boot: with the pid, it names
    /// one process for good, since a pid may be reused but not at the same
    /// instant.
    pub start_ticks: u64,
    pub rss_pages: u64,
    /// The wait status a zombie holds for its parent (field 52; 0 while it
    /// runs, absent on kernels older than 3.5).
    pub wait_status: Option<i32>,
}

/// Parses the text of a `stat` file.
///
/// The command name (field 2) is in parentheses and may itself hold spaces
/// or parentheses, so the fields after it are counted from the last `)`.
pub fn parse_stat(text: &str) -> Option<Stat> {
    let open = text.find('(')?;
    let close = text.rfind(')')?;
    let pid = text[..open].trim().parse().ok()?;
    let comm = text.get(open + 1..close)?.to_string();
    let fields: Vec<&str> = text[close + 1..].split_whitespace().collect();
    // Field numbers as in proc(5); index 0 here is field 3.
    let field = |n: usize| fields.get(n - 3).copied();
    let num = |n: usize| field(n).and_then(|f| f.parse::<u64>().ok());
    Some(Stat {
        pid,
        comm,
        state: field(3)?.chars().next()?,
        ppid: num(4)? as u32,
        pgid: num(5)? as u32,
        cpu_ticks: num(14)? + num(15)?,
        threads: num(20)? as u32,
        start_ticks: num(22)?,
        rss_pages: num(24)?,
        wait_status: field(52).and_then(|f| f.parse().ok()),
    })
}

/// Python's exitcode for a wait status: the exit status, or minus the
/// signal that ended the process.
pub fn exitcode_of(wait_status: i32) -> i32 {
    let sig = wait_status & 0x7f;
    if sig == 0 {
        (wait_status >> 8) & 0xff
    } else {
        -sig
    }
}

/// Does the kernel show this process's wait status to proclab? It writes 0
/// in its place for a process proclab may not inspect (another user's,
/// unless proclab runs as root), which would read as `exitcode 0`.
pub fn wait_status_shown(pid: u32) -> bool {
    use std::os::unix::fs::MetadataExt;
    let me = rustix::process::geteuid();
    me.is_root() || std::fs::metadata(format!("/proc/{pid}")).is_ok_and(|m| m.uid() == me.as_raw())
}

/// Reads a small `/proc` file into `buf`, replacing what it held.
fn read_into(path: &Path, buf: &mut Vec<u8>) -> Option<()> {
    buf.clear();
    std::fs::File::open(path).ok()?.read_to_end(buf).ok()?;
    Some(())
}

/// `/proc/PID/stat`, or None if the process is gone.
pub fn read_stat(pid: u32, buf: &mut Vec<u8>) -> Option<Stat> {
    read_into(Path::new(&format!("/proc/{pid}/stat")), buf)?;
    parse_stat(std::str::from_utf8(buf).ok()?)
}

/// `/proc/PID/task/TID/stat`: one thread.
pub fn read_thread_stat(pid: u32, tid: u32, buf: &mut Vec<u8>) -> Option<Stat> {
    read_into(Path::new(&format!("/proc/{pid}/task/{tid}/stat")), buf)?;
    parse_stat(std::str::from_utf8(buf).ok()?)
}

/// Voluntary and involuntary context switches, from the text of a `status`
/// file. A thread that waits (for a lock, for CPython's GIL, for I/O)
/// switches voluntarily; one the scheduler takes the core from, involuntarily.
pub fn parse_switches(text: &str) -> Option<(u64, u64)> {
    let mut voluntary = None;
    let mut involuntary = None;
    for line in text.lines() {
        if let Some(v) = line.strip_prefix("voluntary_ctxt_switches:") {
            voluntary = v.trim().parse().ok();
        } else if let Some(v) = line.strip_prefix("nonvoluntary_ctxt_switches:") {
            involuntary = v.trim().parse().ok();
        }
    }
    Some((voluntary?, involuntary?))
}

/// One thread's context switches, from `/proc/PID/task/TID/status`.
pub fn read_thread_switches(pid: u32, tid: u32, buf: &mut Vec<u8>) -> Option<(u64, u64)> {
    read_into(Path::new(&format!("/proc/{pid}/task/{tid}/status")), buf)?;
    parse_switches(std::str::from_utf8(buf).ok()?)
}

/// The command line's words; empty for a zombie (its memory is gone).
pub fn read_cmdline(pid: u32, buf: &mut Vec<u8>) -> Vec<String> {
    if read_into(Path::new(&format!("/proc/{pid}/cmdline")), buf).is_none() {
        return Vec::new();
    }
    buf.split(|&b| b == 0)
        .filter(|w| !w.is_empty())
        .map(|w| String::from_utf8_lossy(w).into_owned())
        .collect()
}

/// Every numeric entry of a `/proc`-like folder: the pids of `/proc`, the
/// thread ids of `/proc/PID/task`. Sorted.
pub fn numeric_entries(dir: &Path) -> Vec<u32> {
    let mut ids: Vec<u32> = std::fs::read_dir(dir)
        .map(|d| {
            d.filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok())
                .collect()
        })
        .unwrap_or_default();
    ids.sort_unstable();
    ids
}

/// The thread ids of a process, main thread first.
pub fn thread_ids(pid: u32) -> Vec<u32> {
    numeric_entries(Path::new(&format!("/proc/{pid}/task")))
}

/// Clock ticks per second (`sysconf(_SC_CLK_TCK)`).
pub fn ticks_per_second() -> u64 {
    rustix::param::clock_ticks_per_second()
}

/// Clock ticks as a duration.
pub fn ticks_to_duration(ticks: u64, per_second: u64) -> Duration {
    Duration::from_nanos(ticks.saturating_mul(1_000_000_000) / per_second.max(1))
}

/// Time since boot (`CLOCK_BOOTTIME`), the clock of `stat`'s start times.
pub fn since_boot() -> Duration {
    let ts = rustix::time::clock_gettime_dynamic(rustix::time::DynamicClockId::Boottime).unwrap_or(
        rustix::time::Timespec {
            tv_sec: 0,
            tv_nsec: 0,
        },
    );
    Duration::new(ts.tv_sec.max(0) as u64, ts.tv_nsec as u32)
}

/// Bytes per page.
pub fn page_size() -> u64 {
    rustix::param::page_size() as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stat_line_is_read_from_after_the_name() {
        let line = "1234 (a (b) c) Z 77 1230 1230 0 -1 4194560 100 0 0 0 7 3 0 0 20 0 \
                    4 0 555 12345678 321 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 \
                    0 0 0 0 0 0 0 0 0 0 0 0 3840";
        let st = parse_stat(line).unwrap();
        assert_eq!((st.pid, st.comm.as_str(), st.state), (1234, "a (b) c", 'Z'));
        assert_eq!((st.ppid, st.pgid), (77, 1230));
        assert_eq!((st.cpu_ticks, st.threads, st.start_ticks), (10, 4, 555));
        assert_eq!(st.rss_pages, 321);
        assert_eq!(st.wait_status.map(exitcode_of), Some(15));
        assert_eq!(parse_stat("garbage"), None);
    }

    #[test]
    fn wait_statuses_read_as_python_exitcodes() {
        assert_eq!(exitcode_of(0), 0);
        assert_eq!(exitcode_of(3 << 8), 3);
        assert_eq!(exitcode_of(15), -15);
        // Killed and dumped core: the core bit is not part of the signal.
        assert_eq!(exitcode_of(0x80 | 11), -11);
    }

    #[test]
    fn this_process_reads_whole() {
        let mut buf = Vec::new();
        let me = std::process::id();
        let st = read_stat(me, &mut buf).unwrap();
        assert_eq!(st.pid, me);
        assert_eq!(
            st.ppid,
            rustix::process::getppid().unwrap().as_raw_nonzero().get() as u32
        );
        assert!(st.start_ticks > 0 && st.rss_pages > 0);
        let tids = thread_ids(me);
        assert_eq!(tids.first(), Some(&me));
        assert!(read_thread_switches(me, me, &mut buf).is_some());
        assert!(!read_cmdline(me, &mut buf).is_empty());
        assert!(wait_status_shown(me));
        assert!(numeric_entries(Path::new("/proc")).contains(&me));
        let boot = since_boot();
        let started = ticks_to_duration(st.start_ticks, ticks_per_second());
        assert!(started <= boot, "{started:?} after {boot:?}");
    }
}
