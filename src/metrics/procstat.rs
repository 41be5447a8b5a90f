//! Reading one process (or one thread) from `/proc/PID/stat`.
//!
//! The state letter is what the lesson is about (R running, S sleeping,
//! T stopped, Z zombie), so it is shown exactly as the kernel reports it.

use std::path::Path;

/// One reading of `/proc/PID/stat`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProcStat {
    /// The kernel's state letter: R, S, D, T, t, Z, X, I ...
    pub state: char,
    /// User plus system time, in clock ticks.
    pub cpu_ticks: u64,
    pub threads: u32,
    /// Resident set size, in pages.
    pub rss_pages: u64,
}

/// Parses the text of a `stat` file.
///
/// The command name (field 2) is in parentheses and may itself hold spaces
/// or parentheses, so fields are counted from the last `)`.
pub fn parse_stat(text: &str) -> Option<ProcStat> {
    let after = &text[text.rfind(')')? + 1..];
    // Fields from 3 (state) on; index 0 here is field 3.
    let fields: Vec<&str> = after.split_whitespace().collect();
    let field = |n: usize| fields.get(n - 3).copied();
    let num = |n: usize| field(n).and_then(|f| f.parse::<u64>().ok());
    Some(ProcStat {
        state: field(3)?.chars().next()?,
        cpu_ticks: num(14)? + num(15)?,
        threads: num(20)? as u32,
        rss_pages: num(24)?,
    })
}

fn read(path: &Path) -> Option<ProcStat> {
    parse_stat(&std::fs::read_to_string(path).ok()?)
}

/// `/proc/PID/stat`, or None if the process is gone.
pub fn read_process(pid: u32) -> Option<ProcStat> {
    read(Path::new(&format!("/proc/{pid}/stat")))
}

/// `/proc/PID/task/TID/stat`: one thread of a process.
pub fn read_thread(pid: u32, tid: u32) -> Option<ProcStat> {
    read(Path::new(&format!("/proc/{pid}/task/{tid}/stat")))
}

/// The thread ids of a process, main thread first.
pub fn thread_ids(pid: u32) -> Vec<u32> {
    let mut tids: Vec<u32> = std::fs::read_dir(format!("/proc/{pid}/task"))
        .map(|dir| {
            dir.filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok())
                .collect()
        })
        .unwrap_or_default();
    tids.sort_unstable();
    tids
}

/// Clock ticks per second (`sysconf(_SC_CLK_TCK)`).
pub fn ticks_per_second() -> u64 {
    rustix::param::clock_ticks_per_second()
}

/// Bytes per page.
pub fn page_size() -> u64 {
    rustix::param::page_size() as u64
}

/// The state letter in words, as the worker table shows it.
pub fn state_words(state: char) -> &'static str {
    match state {
        'R' => "running",
        'S' => "sleeping",
        'D' => "waiting on disk",
        'T' => "stopped",
        't' => "traced",
        'Z' => "zombie",
        'X' => "dead",
        'I' => "idle",
        _ => "unknown",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_with_spaces_and_parentheses_is_skipped() {
        let line = "1234 (a (b) c) S 1 1234 1234 0 -1 4194560 100 0 0 0 7 3 0 0 20 0 \
                    4 0 555 12345678 321 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0";
        let st = parse_stat(line).unwrap();
        assert_eq!(st.state, 'S');
        assert_eq!(st.cpu_ticks, 10);
        assert_eq!(st.threads, 4);
        assert_eq!(st.rss_pages, 321);
    }

    #[test]
    fn this_thread_reads_as_running() {
        let tid = rustix::thread::gettid().as_raw_nonzero().get() as u32;
        assert_eq!(read_thread(std::process::id(), tid).unwrap().state, 'R');
        let st = read_process(std::process::id()).unwrap();
        assert!(st.threads >= 1);
        assert!(st.rss_pages > 0);
        assert!(!thread_ids(std::process::id()).is_empty());
    }

    #[test]
    fn a_missing_process_reads_as_none() {
        assert_eq!(parse_stat("garbage"), None);
        assert_eq!(read_process(u32::MAX), None);
    }
}
