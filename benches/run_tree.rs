//! One reading of a watched program's process tree (`sample_tree`): the
//! full `/proc` scan that finds the program's processes by parent, and the
//! per-process reads (stat, command line, each thread's stat and status).
//!
//! ```text
//! cargo bench --bench run_tree
//! ```
//!
//! The program is real CPython: a main process and 49 `multiprocessing`
//! children (fork) asleep, 50 processes; beside it, the same reading of a
//! program of one process, so the cost of the scan of every pid on the
//! machine can be told from the cost per process of the program.

use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use proclab::lab::run::{Program, RunSpec, TreeSample, sample_tree};
use proclab::lab::{Lab, LabConfig};

const PROCLAB: &str = env!("CARGO_BIN_EXE_proclab");

const FIFTY: &str = r#"
import multiprocessing as mp, sys, time
if __name__ == "__main__":
    mp.set_start_method("fork")
    n = int(sys.argv[1])
    ps = [mp.Process(target=time.sleep, args=(600,)) for _ in range(n)]
    for p in ps:
        p.start()
    print("started", flush=True)
    for p in ps:
        p.join()
"#;

/// Starts the program with `children` children and waits until a sample
/// holds all of them.
fn start(lab: &Lab, children: usize) -> (Program, TreeSample) {
    let spec = RunSpec::command(
        "python3",
        vec!["-c".into(), FIFTY.into(), children.to_string().into()],
    );
    let mut program = Program::run(lab, spec).expect("python3 starts");
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let s = program.sample().clone();
        if s.processes.len() == children + 1 {
            return (program, s);
        }
        assert!(
            Instant::now() < deadline,
            "the program did not start its children"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn tree(c: &mut Criterion) {
    let mut config = LabConfig::with_exe(PROCLAB);
    config.iters_per_ms = Some(1000);
    config.max_workers = 1;
    let lab = Lab::new(config).expect("the engine starts");
    let on_machine = std::fs::read_dir("/proc")
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .is_ok_and(|e| e.file_name().to_string_lossy().parse::<u32>().is_ok())
        })
        .count();
    println!("processes on the machine: {on_machine}");
    for children in [0, 49] {
        let (mut program, first) = start(&lab, children);
        let scope = program.scope().clone();
        let mut prev = first;
        let name = format!("sample_tree/{} processes", children + 1);
        c.bench_function(&name, |b| {
            b.iter(|| {
                prev = sample_tree(&scope, Some(&prev));
            })
        });
        assert_eq!(prev.processes.len(), children + 1);
        let report = program.shutdown(Duration::from_millis(200));
        assert!(report.left.is_empty());
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(30)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4));
    targets = tree
}
criterion_main!(benches);
