//! The process lifecycle with no terminal UI, as a first multiprocessing
//! script would show it: start three workers, pause one, terminate it, join
//! them all, and print each exitcode as Python would.
//!
//! ```text
//! cargo run --example lifecycle
//! ```
//!
//! This example's own executable is re-run as the workers, so it calls
//! `run_if_worker` first, as proclab's `main` does.

use std::time::Duration;

use proclab::lab::{Lab, LabConfig, Role, StartOptions, Workload};
use proclab::metrics::procstat;

fn state_of(lab: &Lab, id: u32) -> String {
    let pid = lab.pid(id).expect("a worker we started");
    match procstat::read_process(pid) {
        Some(st) => format!("{} ({})", st.state, procstat::state_words(st.state)),
        None => "gone".into(),
    }
}

fn main() -> anyhow::Result<()> {
    proclab::lab::worker::run_if_worker();

    let mut lab = Lab::new(LabConfig::new())?;
    // Three tasks of 0.3 s each, then the worker's run() returns.
    let options = StartOptions {
        role: Role::Tasks,
        workload: Workload::Cpu,
        tasks: Some(3),
        task_ms: 300,
        daemon: false,
    };

    let mut ids = Vec::new();
    for n in 1..=3 {
        let id = lab.start_with(options)?;
        println!(
            "p{n} = Process(target=clean_order); p{n}.start()   # pid {}",
            lab.pid(id)?
        );
        ids.push(id);
    }
    std::thread::sleep(Duration::from_millis(200));
    for (n, &id) in ids.iter().enumerate() {
        println!(
            "p{}.is_alive() == {}   # state {}",
            n + 1,
            if lab.is_alive(id)? { "True" } else { "False" },
            state_of(&lab, id)
        );
    }

    let second = ids[1];
    lab.pause(second)?;
    std::thread::sleep(Duration::from_millis(100));
    println!(
        "os.kill(p2.pid, signal.SIGSTOP)   # state {}",
        state_of(&lab, second)
    );

    let t = lab.terminate(second)?;
    if t.pending {
        std::thread::sleep(Duration::from_millis(200));
        println!(
            "p2.terminate()   # SIGTERM waits while p2 is stopped: state {}",
            state_of(&lab, second)
        );
        lab.resume(second)?;
        println!("os.kill(p2.pid, signal.SIGCONT)   # now the SIGTERM acts");
    } else {
        println!("p2.terminate()   # SIGTERM");
    }

    for (n, &id) in ids.iter().enumerate() {
        let code = lab.join(id, None)?;
        let shown = code.map_or("None".to_string(), |c| c.to_string());
        println!("p{}.join(); p{}.exitcode == {shown}", n + 1, n + 1);
    }
    Ok(())
}
