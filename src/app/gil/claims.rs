//! The GIL lab's lines: threads of one interpreter under its GIL against
//! processes, the switch interval, the convoy effect.

use crate::app::claims::{Lab, claims, py, shell, w};

const ONE_CORE: &str = r#"{"at_most_one_core": true}"#;
/// Why the free-threaded lines have no witness.
const NO_FREE_THREADS: &str =
    "needs a free-threaded CPython (3.13t or later), which this machine does not have";
const AT_ONCE: &str = r#"{"processes_at_once": true, "threads_at_once": false}"#;

claims! {
    /// The GIL lab's lines and the threads lesson's.
    Gil {
        ProcessStart => py(
            "{p} = Process(target={target}); {p}.start()",
            "a process has its own interpreter and its own GIL: two run at the same moment on two cores",
            &[w("gil", "same_time_processes_not_threads", AT_ONCE)],
            Lab::Nothing,
        ),
        ThreadStart => py(
            "{t} = Thread(target={target}); {t}.start()",
            "threads of one interpreter share its GIL: CPU-bound ones take turns, about one core in all",
            &[
                w("gil", "cpu_threads_share_one_core", ONE_CORE),
                w("gil", "same_time_processes_not_threads", AT_ONCE),
            ],
            Lab::Nothing,
        ),
        Interpreter => shell(
            "python3 prog.py",
            "one interpreter process: its threads share one GIL",
            &[w("gil", "cpu_threads_share_one_core", ONE_CORE)],
            Lab::Nothing,
        ),
        FreeThreadedInterpreter => shell(
            "python3.13t -X gil=0 prog.py",
            "a free-threaded build (3.13t and later) runs threads with no GIL",
            &[],
            Lab::Nothing,
        )
        .unwitnessed(NO_FREE_THREADS),
        ProcessMode => py(
            "multiprocessing.Process(target=...)",
            "processes: an interpreter and a GIL each",
            &[w("gil", "same_time_processes_not_threads", AT_ONCE)],
            Lab::Nothing,
        ),
        ThreadMode => py(
            "threading.Thread(target=...)",
            "threads: one interpreter, one GIL",
            &[w("gil", "cpu_threads_share_one_core", ONE_CORE)],
            Lab::Nothing,
        ),
        FreeThreadMode => py(
            "threading.Thread(target=...)  # 3.13t",
            "the same thread code; on a free-threaded build it runs with no GIL",
            &[],
            Lab::Nothing,
        )
        .unwitnessed(NO_FREE_THREADS),
        Workload => py(
            "Thread(target={target})",
            "what new threads run: a CPU-bound loop or a sleep",
            &[
                w("gil", "cpu_threads_share_one_core", ONE_CORE),
                w("gil", "sleeping_threads_overlap", r#"{"overlap": true}"#),
            ],
            Lab::Nothing,
        ),
        SwitchInterval => py(
            "sys.setswitchinterval({s})",
            "how long a thread waits for the GIL before asking the holder to drop it: 0.005 s by default",
            &[w("gil", "switch_interval", r#"{"default": 0.005, "set": 0.001}"#)],
            Lab::Nothing,
        ),
        ConvoyOn => py(
            "{t} = Thread(target=io_loop); {t}.start()  # time.sleep(0.0001)",
            "an I/O thread beside a CPU-bound thread waits for the GIL after each blocking call: its calls per second collapse",
            &[w("gil", "convoy_effect", r#"{"collapses": true}"#)],
            Lab::Nothing,
        ),
        ConvoyOff => py(
            "stop.set()  # io_loop returns",
            "a thread cannot be killed from outside: it is asked to return",
            &[w("gil", "sigstop_stops_every_thread", r#"{"thread_kill_api": false}"#)],
            Lab::Nothing,
        ),
        Race => py(
            "for n in range(1, {n}): run(work, n)  # threads, processes, free",
            "the same job with 1, 2, ... workers in each mode",
            &[w("gil", "cpu_threads_share_one_core", ONE_CORE)],
            Lab::Nothing,
        ),
        /// One run of the race has ended: its threads joined.
        RaceRunThreads => py(
            "for t in threads: t.join()  # {n} threads",
            "the run ends when its last thread is joined; CPU-bound threads under one GIL took turns",
            &[w("gil", "cpu_threads_share_one_core", ONE_CORE)],
            Lab::Nothing,
        ),
        /// One run of the race has ended: its processes joined.
        RaceRunProcesses => py(
            "for p in ps: p.join()  # {n} processes",
            "the run ends when its last process is joined; processes ran at the same time",
            &[w("gil", "same_time_processes_not_threads", AT_ONCE)],
            Lab::Nothing,
        ),
        InterpreterPaused => py(
            "os.kill({pid}, signal.SIGSTOP)",
            "SIGSTOP stops the whole interpreter, every thread: a thread cannot be signalled alone",
            &[w("gil", "sigstop_stops_every_thread", r#"{"states": ["T"], "thread_kill_api": false}"#)],
            Lab::Nothing,
        ),
        InterpreterResumed => py(
            "os.kill({pid}, signal.SIGCONT)",
            "SIGCONT lets every thread of the interpreter run again",
            &[w("lifecycle", "pause_and_resume", r#"{"runs_again": true}"#)],
            Lab::Nothing,
        ),
        // The lessons' lines.
        /// A lesson's step.
        StartThreads => py(
            "t1 = Thread(target={target})\nt2 = Thread(target={target})\nt1.start(); t2.start()",
            "two CPU-bound threads of one interpreter take turns at the GIL: about one core",
            &[w("gil", "cpu_threads_share_one_core", ONE_CORE)],
            Lab::Nothing,
        ),
        /// A lesson's step.
        FreeThreads => py(
            "# python3.13t: the same Thread code, no GIL",
            "free-threaded CPython runs the same threads with no GIL",
            &[],
            Lab::Nothing,
        )
        .unwitnessed(NO_FREE_THREADS),
        /// A lesson's step.
        StartProcesses => py(
            "p1 = Process(target={target})\np2 = Process(target={target})\np1.start(); p2.start()",
            "two processes, a GIL each: they run at the same moment on two cores",
            &[w("gil", "same_time_processes_not_threads", AT_ONCE)],
            Lab::Nothing,
        ),
        /// A lesson's step.
        Executors => py(
            "with ThreadPoolExecutor(2) as ex: list(ex.map(task, range(4)))\nwith ProcessPoolExecutor(2) as ex: list(ex.map(task, range(4)))",
            "CPU-bound tasks: threads take turns at one GIL, processes run at once",
            &[
                w("gil", "cpu_threads_share_one_core", ONE_CORE),
                w("gil", "same_time_processes_not_threads", AT_ONCE),
            ],
            Lab::Nothing,
        ),
        /// A lesson's step.
        SleepTask => py(
            "def task(_): time.sleep(0.4)",
            "a sleeping thread lets go of the GIL: sleeps in threads overlap",
            &[w("gil", "sleeping_threads_overlap", r#"{"overlap": true}"#)],
            Lab::Nothing,
        ),
    }
}
