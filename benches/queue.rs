#[path = "common/mod.rs"]
mod common;

use std::time::{Duration, Instant};

use proclab::lab::engine::Engine;
use proclab::lab::{Lab, LabConfig};

const PROCLAB: &str = env!("CARGO_BIN_EXE_proclab");

fn queue_rate(engine: &mut Engine, n: u64, batch: usize, capacity: u64) -> f64 {
    engine
        .queue
        .set_capacity(&mut engine.lab, capacity)
        .unwrap();
    engine.queue.set_rates(&engine.lab, 0, 0);
    engine.queue.set_batch(&engine.lab, batch);
    let c = engine.queue.add_consumer(&mut engine.lab).unwrap();
    let p = engine.queue.add_producer(&mut engine.lab, Some(n)).unwrap();
    let ring = proclab::lab::queue::ring(engine.lab.region());
    let mut first = None;
    let last;
    loop {
        let t = ring.totals(Duration::ZERO);
        if first.is_none() && t.head > 0 {
            first = Some((Instant::now(), t.head));
        }
        if t.head >= n {
            last = Instant::now();
            break;
        }
        std::thread::sleep(Duration::from_micros(200));
    }
    let (t0, h0) = first.unwrap();
    engine.lab.join(p, None).unwrap();
    engine.queue.send_sentinel(&mut engine.lab);
    engine.lab.join(c, None).unwrap();
    engine.queue.poll(&mut engine.lab);
    (n - h0) as f64 / (last - t0).as_secs_f64()
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let mut engine = Engine::new(Lab::new(LabConfig::with_exe(PROCLAB)).unwrap());
    for batch in [64, 1] {
        println!(
            "queue batch {batch}: {:.0} msg/s",
            queue_rate(&mut engine, 1_000_000, batch, 1024)
        );
    }
    for batch in [256, 1] {
        for _ in 0..3 {
            println!(
                "pipe stream batch {batch}: {:.0} msg/s",
                pipe_stream(&mut engine, 2_000_000, batch)
            );
        }
    }
    for _ in 0..3 {
        println!("rtt: {:.0} /s", pipe_rtt(&mut engine, 100_000));
    }
}

pub fn pipe_stream(engine: &mut Engine, n: u64, batch: usize) -> f64 {
    use proclab::lab::pipe::PipeMode;
    engine.pipe.set_mode(PipeMode::Stream);
    engine.pipe.set_rate(&engine.lab, 0);
    engine.pipe.set_batch(&engine.lab, batch);
    let [a, b] = engine.pipe.start(&mut engine.lab, Some(n)).unwrap();
    engine.lab.join(a, None).unwrap();
    engine.lab.join(b, None).unwrap();
    engine.pipe.received_rate(&engine.lab).unwrap()
}

pub fn pipe_rtt(engine: &mut Engine, n: u64) -> f64 {
    use proclab::lab::pipe::PipeMode;
    engine.pipe.set_mode(PipeMode::PingPong);
    engine.pipe.set_rate(&engine.lab, 0);
    let [a, b] = engine.pipe.start(&mut engine.lab, Some(n)).unwrap();
    engine.lab.join(a, None).unwrap();
    engine.lab.join(b, None).unwrap();
    engine.pipe.received_rate(&engine.lab).unwrap()
}
