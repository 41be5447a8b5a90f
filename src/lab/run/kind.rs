//! What a process of a watched program is, as far as its command line
//! tells: `multiprocessing` starts its helpers and its spawn children with
//! `python -c "from multiprocessing.X import ..."`, while a fork child (and
//! a forkserver's child) keeps its parent's command line word for word.

/// What one process of the program is, from its command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// The program proclab started or attached to.
    Main,
    /// Forked without a new command line: a `Process` or Pool worker under
    /// the fork or forkserver start method, a Manager's server under fork,
    /// an `os.fork()`. Which one only the instrumentation can tell.
    Child,
    /// Started by the spawn start method
    /// (`-c "from multiprocessing.spawn import spawn_main; ..."`): a
    /// `Process`, a Pool worker or a Manager's server.
    Spawned,
    /// `multiprocessing`'s resource tracker, which unlinks named semaphores
    /// and shared memory a crashed program leaves behind.
    ResourceTracker,
    /// The forkserver, which forks every later child of the forkserver
    /// start method (and reaps them itself).
    Forkserver,
    /// Another program the program ran (`subprocess`, `os.system`).
    Command,
}

impl Kind {
    /// A short word for the tree.
    pub fn word(self) -> &'static str {
        match self {
            Kind::Main => "main",
            Kind::Child => "child",
            Kind::Spawned => "spawned",
            Kind::ResourceTracker => "resource tracker",
            Kind::Forkserver => "forkserver",
            Kind::Command => "command",
        }
    }
}

/// The code a Python command line runs with `-c`, if it is Python's.
fn dash_c(cmdline: &[String]) -> Option<&str> {
    let i = cmdline.iter().position(|w| w == "-c")?;
    cmdline.get(i + 1).map(String::as_str)
}

/// Classifies a process of the program that is not its main one, from its
/// command line and its parent's (None when the parent is not part of the
/// program, as for an orphan).
pub fn classify(cmdline: &[String], parent_cmdline: Option<&[String]>) -> Kind {
    // A fork child has its parent's command line, even the forkserver's; a
    // zombie has none left, and was most likely forked too.
    if cmdline.is_empty() || parent_cmdline.is_some_and(|p| p == cmdline) {
        return Kind::Child;
    }
    match dash_c(cmdline) {
        Some(code) if code.starts_with("from multiprocessing.spawn import spawn_main") => {
            Kind::Spawned
        }
        Some(code) if code.starts_with("from multiprocessing.resource_tracker import main") => {
            Kind::ResourceTracker
        }
        Some(code) if code.starts_with("from multiprocessing.forkserver import main") => {
            Kind::Forkserver
        }
        _ if parent_cmdline.is_none() => Kind::Child,
        _ => Kind::Command,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(s: &str) -> Vec<String> {
        s.split('|').map(String::from).collect()
    }

    #[test]
    fn command_lines_of_python_3_11_are_told_apart() {
        let main = words("python3|demo.py");
        let spawn = words(
            "python3|-B|-c|from multiprocessing.spawn import spawn_main; \
             spawn_main(tracker_fd=4, pipe_handle=6)|--multiprocessing-fork",
        );
        let tracker =
            words("python3|-B|-c|from multiprocessing.resource_tracker import main;main(3)");
        let server = words(
            "python3|-B|-c|from multiprocessing.forkserver import main; main(3, 5, ['__main__'])",
        );
        assert_eq!(classify(&main, Some(&main)), Kind::Child);
        assert_eq!(classify(&spawn, Some(&main)), Kind::Spawned);
        assert_eq!(classify(&tracker, Some(&main)), Kind::ResourceTracker);
        assert_eq!(classify(&server, Some(&main)), Kind::Forkserver);
        // The forkserver's children keep its command line.
        assert_eq!(classify(&server, Some(&server)), Kind::Child);
        assert_eq!(classify(&words("sh|-c|ls"), Some(&main)), Kind::Command);
        assert_eq!(classify(&words("sleep|9"), None), Kind::Child);
        // A zombie's command line is empty.
        assert_eq!(classify(&[], Some(&main)), Kind::Child);
    }
}
