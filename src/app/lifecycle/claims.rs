//! A Process's life: start, signals, exit codes, zombies and who reaps
//! them, the daemon flag and what a parent does at its end.

use crate::app::claims::{Lab, LabCheck, claims, py, w};

claims! {
    /// The lifecycle lab's lines, and the worker table's.
    Lifecycle {
        /// `p.start()`: a new process, alive, exitcode None.
        Start => py(
            "{p}.start()",
            "start() runs the target in a new process: is_alive() is True and exitcode None until it ends",
            &[w("lifecycle", "alive_while_running", r#"{"exitcode_before_start": null, "is_alive": true, "exitcode": null}"#)],
            Lab::Same(LabCheck::Start),
        ),
        /// The worker table's hint when it is empty.
        StartHint => py(
            "p = Process(target=...); p.start()",
            "a Process object runs its target once started",
            &[w("lifecycle", "exitcode_return", r#"{"exitcode": 0}"#)],
            Lab::Nothing,
        ),
        /// What new workers will run.
        Target => py(
            "Process(target={target})",
            "a Process runs its target function; returning from it is exitcode 0",
            &[w("lifecycle", "exitcode_return", r#"{"exitcode": 0}"#)],
            Lab::Same(LabCheck::ExitReturn),
        ),
        Pause => py(
            "os.kill({p}.pid, signal.SIGSTOP)",
            "SIGSTOP stops the process where it is (state T); it is still alive, and join() waits",
            &[w("lifecycle", "pause_and_resume", r#"{"stopped": "T", "is_alive_stopped": true, "join_timeout_returns": null, "alive_after_join_timeout": true}"#)],
            Lab::Same(LabCheck::PauseResume),
        ),
        Resume => py(
            "os.kill({p}.pid, signal.SIGCONT)",
            "SIGCONT lets a stopped process run again from where it stopped",
            &[w("lifecycle", "pause_and_resume", r#"{"runs_again": true}"#)],
            Lab::Same(LabCheck::PauseResume),
        ),
        Terminate => py(
            "{p}.terminate()",
            "SIGTERM: the process dies at once, no finally block runs; exitcode -15",
            &[w("lifecycle", "exitcode_terminate", r#"{"exitcode": -15, "finally_ran": false}"#)],
            Lab::Same(LabCheck::Terminate),
        ),
        /// terminate() on a stopped process.
        TerminateStopped => py(
            "{p}.terminate()  # SIGTERM waits",
            "a stopped process acts on SIGTERM only once continued: it stays alive (T) until SIGCONT, then ends with -15",
            &[w("lifecycle", "terminate_stopped", r#"{"before_sigcont": {"is_alive": true, "state": "T", "exitcode": null}, "exitcode": -15}"#)],
            Lab::Same(LabCheck::TerminateStopped),
        ),
        /// SIGCONT to a stopped process with SIGTERM pending.
        ContinueTerminated => py(
            "os.kill({p}.pid, signal.SIGCONT)  # ends: -15",
            "once continued, a stopped process with SIGTERM pending ends with -15",
            &[w("lifecycle", "terminate_stopped", r#"{"exitcode": -15}"#)],
            Lab::Same(LabCheck::TerminateStopped),
        ),
        Kill => py(
            "{p}.kill()",
            "SIGKILL cannot be caught, blocked or ignored, even by a stopped process; exitcode -9",
            &[
                w("lifecycle", "exitcode_kill", r#"{"exitcode": -9, "sigkill_can_be_caught": false}"#),
                w("lifecycle", "kill_stopped", r#"{"exitcode": -9}"#),
            ],
            Lab::Same(LabCheck::Kill),
        ),
        /// What the kill of a stopped worker does.
        KillStopped => py(
            "{p}.kill()  # even stopped",
            "SIGKILL ends a stopped process at once: exitcode -9",
            &[w("lifecycle", "kill_stopped", r#"{"exitcode": -9}"#)],
            Lab::Same(LabCheck::KillStopped),
        ),
        Raise => py(
            "raise RuntimeError()  # inside {p}",
            "an uncaught exception ends the process with exitcode 1; a stopped process raises nothing until continued",
            &[
                w("lifecycle", "exitcode_raise", r#"{"exitcode": 1}"#),
                w("lifecycle", "raise_in_stopped", r#"{"runs_nothing_while_stopped": true}"#),
            ],
            Lab::Same(LabCheck::ExitRaise),
        ),
        SysExit => py(
            "sys.exit({code})  # inside {p}",
            "sys.exit(n) in the child is exitcode n",
            &[w("lifecycle", "exitcode_sys_exit", r#"{"exitcode": 3}"#)],
            Lab::Same(LabCheck::ExitSysExit),
        ),
        /// An ended worker nobody has looked at.
        Zombie => py(
            "# {p} ended: a zombie until reaped",
            "an ended child stays Z in /proc until reaped; reading p.pid does not reap it",
            &[
                w("lifecycle", "zombie_until_reaped", r#"{"state": "Z", "state_later": "Z"}"#),
                w("lifecycle", "zombie_pid_does_not_reap", r#"{"before": "Z", "after": "Z"}"#),
            ],
            Lab::Same(LabCheck::Zombie),
        ),
        Join => py(
            "{p}.join()  # {p}.exitcode == {code}",
            "join() waits for the end and reaps the child: the zombie is gone, exitcode stays; joining twice is harmless",
            &[
                w("lifecycle", "join_reaps", r#"{"before": "Z", "after": null}"#),
                w("lifecycle", "join_after_end", r#"{"join_twice": "ok", "exitcode": 3}"#),
            ],
            Lab::Same(LabCheck::Zombie),
        ),
        /// The lifecycle diagram's edge from the zombie to joined.
        JoinReaps => py(
            "{p}.join()  # is_alive() reaps too",
            "join() reaps an ended child, and so does is_alive() (and exitcode, active_children(), the next start())",
            &[
                w("lifecycle", "join_reaps", r#"{"before": "Z", "after": null}"#),
                w("lifecycle", "zombie_is_alive", r#"{"before": "Z", "returns": false, "after": null}"#),
            ],
            Lab::Same(LabCheck::Zombie),
        ),
        /// The exit status, once the process has ended.
        ExitcodeIs => py(
            "{p}.exitcode == {code}",
            "exitcode is the exit status once the process has ended: 0, n from sys.exit(n), 1 from an exception, -N from signal N",
            &[
                w("lifecycle", "exitcode_terminate", r#"{"exitcode": -15}"#),
                w("lifecycle", "exitcode_kill", r#"{"exitcode": -9}"#),
                w("lifecycle", "exitcode_sys_exit", r#"{"exitcode": 3}"#),
            ],
            Lab::Same(LabCheck::Terminate),
        ),
        JoinBlocks => py(
            "{p}.join()  # blocks",
            "join() on a running or stopped process waits; join(timeout) returns None with it still alive",
            &[
                w("lifecycle", "alive_while_running", r#"{"join_timeout_returns": null, "after_join_timeout": {"is_alive": true, "exitcode": null}}"#),
                w("lifecycle", "pause_and_resume", r#"{"join_timeout_returns": null, "alive_after_join_timeout": true}"#),
            ],
            Lab::Same(LabCheck::JoinTimeout),
        ),
        IsAliveReaps => py(
            "{p}.is_alive()  # False, and it reaps the zombie",
            "is_alive() polls with waitpid: on an ended child it returns False and reaps it",
            &[w("lifecycle", "zombie_is_alive", r#"{"before": "Z", "returns": false, "after": null}"#)],
            Lab::Differs(LabCheck::IsAliveReaps, "Lab::is_alive does not reap: proclab keeps the zombie to show it until j"),
        ),
        ExitcodeReaps => py(
            "{p}.exitcode  # {code}, and it reaps the zombie",
            "reading exitcode polls with waitpid: on an ended child it reaps it",
            &[w("lifecycle", "zombie_exitcode", r#"{"before": "Z", "returns": 0, "after": null}"#)],
            Lab::Nothing,
        ),
        ActiveChildren => py(
            "multiprocessing.active_children()  # joins every ended child",
            "active_children() returns the live children and joins every ended one",
            &[
                w("lifecycle", "zombie_active_children", r#"{"before": "Z", "returns": false, "after": null}"#),
                w("lifecycle", "nothing_to_join", r#"{"active_children": []}"#),
            ],
            Lab::Nothing,
        ),
        StartReaps => py(
            "{p2}.start()  # first joins every ended child",
            "start() first joins the children that have ended: the next start reaps a zombie",
            &[w("lifecycle", "zombie_next_start", r#"{"before": "Z", "after": null}"#)],
            Lab::Nothing,
        ),
        Daemon => py(
            "p.daemon = {bool}  # before p.start()",
            "daemon is set before start() (after, AssertionError); a daemon may not start children",
            &[
                w("lifecycle", "daemon_flag", r#"{"daemon": true, "set_after_start": "AssertionError: process has already started"}"#),
                w("lifecycle", "daemon_no_children", r#"{"daemon_starts_a_child": "AssertionError: daemonic processes are not allowed to have children"}"#),
            ],
            Lab::Nothing,
        ),
        /// What a Python parent does to its children at its end.
        AtExit => py(
            "# at exit: daemons terminate(), others join()",
            "multiprocessing's exit handler terminates the daemons (SIGTERM), then waits for the non-daemons to end",
            &[w("at_exit", "daemons_at_exit", r#"{"parent_exit": 0, "daemon_got_sigterm": true, "sigterm_at_the_end": true, "parent_waited_for_the_worker": true, "waited_after_its_end": true, "daemon_ended_before_the_worker": true}"#)],
            Lab::Same(LabCheck::AtExit),
        ),
        /// A parent at its end with a non-daemon child that never ends.
        AtExitWaits => py(
            "# Python waits here for {names}",
            "a parent whose non-daemon child runs forever never exits",
            &[w("at_exit", "nondaemon_forever_at_exit", r#"{"parent_exit": "hang", "daemon_got_sigterm": true, "worker_state_while_parent_waits": "S"}"#)],
            Lab::Same(LabCheck::AtExitForever),
        ),
        // The lessons' lines.
        /// A lesson's step.
        StartProcess => py(
            "{p} = Process(target={target})\n{p}.start()",
            "a Process runs its target in a new process once started",
            &[w("lifecycle", "alive_while_running", r#"{"is_alive": true, "exitcode": null}"#)],
            Lab::Same(LabCheck::Start),
        ),
        /// A lesson's step.
        JoinExitcode => py(
            "{p}.join()\n{p}.exitcode # {code}",
            "join() reaps the child; exitcode is -N after death by signal N",
            &[
                w("lifecycle", "exitcode_terminate", r#"{"exitcode": -15}"#),
                w("lifecycle", "exitcode_kill", r#"{"exitcode": -9}"#),
            ],
            Lab::Same(LabCheck::Terminate),
        ),
    }
}
