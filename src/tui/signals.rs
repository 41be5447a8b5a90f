//! The signals that would end proclab, turned into events of the loop so
//! that each ends it the clean way `q` does: the terminal given back (main
//! screen, mouse capture off, cooked mode) and every worker terminated and
//! joined.
//!
//! Every signal whose default action ends a process is caught, except:
//! - SIGKILL, which nothing can catch: the workers still go, by their
//!   parent-death signal, but the terminal stays as it was.
//! - SIGPIPE, which Rust's runtime ignores from the start: a write to a
//!   closed pipe or socket fails with EPIPE where it happens, and a
//!   SIGPIPE sent by another process does nothing at all.
//! - SIGSEGV, SIGBUS, SIGILL and SIGFPE: proclab's own faults (a bad memory
//!   access, a stack overflow). Its memory can no longer be trusted, so it
//!   must not run on; Rust's runtime reports a stack overflow (and keeps
//!   SIGSEGV and SIGBUS for that), and the kernel ends the process.
//!
//! SIGQUIT, SIGABRT, SIGTRAP, SIGSYS, SIGXCPU and SIGXFSZ dump core by
//! default. Here they quit cleanly like the others, without a core: sent by
//! another process (`kill -QUIT`) they ask proclab to stop, and a core of
//! the UI is worth less than a terminal left usable. A debugger still sees
//! SIGTRAP first (it traces the process before any handler runs), and an
//! `abort()` inside proclab still ends it at once: the C library puts back
//! SIGABRT's default action and raises it again. One case is not
//! a request to stop: SIGXFSZ that proclab's own write raised on crossing
//! the file-size limit (`ulimit -f`); the write fails with EFBIG, and the
//! recording that made it stops on its last whole event while the lab goes
//! on.

use std::sync::mpsc::Sender;

use signal_hook::consts::signal::*;
use signal_hook::iterator::SignalsInfo;
use signal_hook::iterator::exfiltrator::WithOrigin;

use super::Event;

/// The signals that end proclab cleanly: those whose default action ends
/// a process, but for the ones the module's documentation explains.
pub fn quit_signals() -> Vec<i32> {
    let mut signals = vec![
        SIGHUP,
        SIGINT,
        SIGTERM,
        SIGQUIT,
        SIGUSR1,
        SIGUSR2,
        SIGALRM,
        SIGVTALRM,
        SIGPROF,
        SIGIO,
        libc::SIGPWR,
        libc::SIGSTKFLT,
        SIGXCPU,
        SIGXFSZ,
        SIGTRAP,
        SIGSYS,
        SIGABRT,
    ];
    // The real-time signals end a process by default. The C library keeps
    // the first few for its threads, so the range is asked of it.
    signals.extend(libc::SIGRTMIN()..=libc::SIGRTMAX());
    signals
}

/// The signal's name: SIGTERM, SIGRTMIN+3.
pub fn name(sig: i32) -> String {
    let min = libc::SIGRTMIN();
    if (min..=libc::SIGRTMAX()).contains(&sig) {
        return match sig - min {
            0 => "SIGRTMIN".into(),
            n => format!("SIGRTMIN+{n}"),
        };
    }
    nix::sys::signal::Signal::try_from(sig)
        .map_or_else(|_| format!("signal {sig}"), |s| s.as_str().to_string())
}

/// The exit status after signal `sig` ended a session: 128 + its number,
/// what a shell reports for a program the signal ended (130 after SIGINT,
/// 143 after SIGTERM), so a script that ran proclab can tell.
pub fn exit_status(sig: i32) -> u8 {
    u8::try_from(128 + sig).unwrap_or(u8::MAX)
}

/// Starts the thread that turns [`quit_signals`] into [`Event::Signal`].
pub fn spawn(tx: Sender<Event>) -> std::io::Result<()> {
    let mut signals = SignalsInfo::<WithOrigin>::new(quit_signals())?;
    let me = std::process::id() as i32;
    std::thread::Builder::new()
        .name("proclab-signals".into())
        .spawn(move || {
            for origin in signals.forever() {
                // The kernel sends SIGXFSZ as from the writer itself.
                let own_write =
                    origin.signal == SIGXFSZ && origin.process.is_some_and(|p| p.pid == me);
                if own_write {
                    continue;
                }
                if tx.send(Event::Signal(origin.signal)).is_err() {
                    break;
                }
            }
        })?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_signal_that_would_end_proclab_is_caught_but_the_faults() {
        let caught = quit_signals();
        for sig in 1..=libc::SIGRTMAX() {
            // Glibc's own signals (32, 33) are neither caught nor named.
            if (32..libc::SIGRTMIN()).contains(&sig) {
                continue;
            }
            let ends_process = !matches!(
                sig,
                SIGCHLD | SIGCONT | SIGSTOP | SIGTSTP | SIGTTIN | SIGTTOU | SIGURG | SIGWINCH
            );
            let left = matches!(sig, SIGKILL | SIGPIPE | SIGSEGV | SIGBUS | SIGILL | SIGFPE);
            assert_eq!(
                caught.contains(&sig),
                ends_process && !left,
                "{}",
                name(sig)
            );
        }
        assert!(
            !signal_hook::consts::FORBIDDEN
                .iter()
                .any(|f| caught.contains(f))
        );
    }

    #[test]
    fn the_exit_status_is_128_plus_the_signal() {
        assert_eq!(exit_status(SIGINT), 130);
        assert_eq!(exit_status(SIGTERM), 143);
        assert_eq!(exit_status(SIGHUP), 129);
        assert_eq!(exit_status(libc::SIGRTMAX()), 128 + libc::SIGRTMAX() as u8);
    }

    #[test]
    fn names_read_as_kill_l_writes_them() {
        assert_eq!(name(SIGTERM), "SIGTERM");
        assert_eq!(name(SIGIO), "SIGIO");
        assert_eq!(name(libc::SIGRTMIN()), "SIGRTMIN");
        assert_eq!(name(libc::SIGRTMIN() + 3), "SIGRTMIN+3");
    }
}
