//! Processes as `/proc` shows them: a process's parent and start time, and
//! the children of a process, so a test can say exactly what is left
//! behind, whatever else runs on the machine.
#![allow(dead_code)]

/// One process, from `/proc/PID/stat`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Proc {
    pub pid: u32,
    /// The kernel's state letter: R, S, T, Z...
    pub state: char,
    pub ppid: u32,
    /// Clock ticks after boot at which it started: with the pid, names one
    /// process even once the pid is reused.
    pub start: u64,
}

/// `pid` as `/proc` shows it now, or None once it is gone (reaped).
pub fn read(pid: u32) -> Option<Proc> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name (field 2) may hold spaces and parentheses: count
    // fields from the last ')'. Field 3 is the state, 4 the parent, 22 the
    // start time.
    let fields: Vec<&str> = text[text.rfind(')')? + 1..].split_whitespace().collect();
    Some(Proc {
        pid,
        state: fields.first()?.chars().next()?,
        ppid: fields.get(1)?.parse().ok()?,
        start: fields.get(19)?.parse().ok()?,
    })
}

/// Every process whose parent is `parent`, zombies included.
pub fn children_of(parent: u32) -> Vec<Proc> {
    let mut found = Vec::new();
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return found;
    };
    for entry in dir.flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        if let Some(p) = read(pid).filter(|p| p.ppid == parent) {
            found.push(p);
        }
    }
    found
}

/// Whether the process seen as `seen` is still there, as itself (not a
/// later process given the same pid), zombie or not.
pub fn still_there(seen: &Proc) -> bool {
    read(seen.pid).is_some_and(|now| now.start == seen.start)
}

/// Whether it is there and still running: neither reaped nor a zombie.
pub fn still_running(seen: &Proc) -> bool {
    read(seen.pid).is_some_and(|now| now.start == seen.start && !matches!(now.state, 'Z' | 'X'))
}
