//! The claim protocol with the worker loop run in threads over a region of
//! this process: every item of every job computed exactly once, whatever
//! the number of items, chunk size and workers. The same `serve` runs in
//! the worker processes; threads let a property test try many cases.

use std::collections::HashSet;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use proptest::prelude::*;

use super::serve::serve;
use super::shared::{DONE, PoolShared, split_chunk_word};
use super::spec::{ChunkChoice, Cost, JobSpec, Method, work};
use crate::lab::shm::{Region, SectionId};

const CAPACITY: usize = 4_000;

fn view(region: &Region) -> PoolShared<'_> {
    let (ptr, len) = region.section_raw(SectionId::Pool);
    // Safety: the region outlives the view and was sized for CAPACITY.
    unsafe { PoolShared::from_raw(ptr.as_ptr(), len, Some(CAPACITY)) }.unwrap()
}

fn spec(items: u32, chunk: ChunkChoice, workers: u32, method: Method) -> JobSpec {
    JobSpec {
        method,
        items,
        chunk,
        workers,
        maxtasks: None,
        cost: Cost::Uniform,
        item_us: 0,
        init_ms: 0,
    }
}

/// Runs `jobs` one after the other on `workers` threads and checks each.
fn run_jobs(workers: usize, jobs: &[JobSpec]) -> Result<(), TestCaseError> {
    let region = Region::create_sized(8, CAPACITY).unwrap();
    let sh = view(&region);
    sh.init().unwrap();
    sh.open_pool(0, 0);
    for p in 0..workers {
        sh.header.positions[p].reset_for(p as u32 + 1);
        sh.header.positions[p]
            .pid
            .store(1000 + p as u32, Ordering::Release);
    }
    std::thread::scope(|s| {
        for t in 0..workers {
            let (sh, slot) = (&sh, region.slot(t));
            s.spawn(move || serve(sh, slot, 1000 + t as u32, 1_000, Duration::from_secs(5)));
        }
        let check = || -> Result<(), TestCaseError> {
            let mut items_before = 0;
            for (k, job) in jobs.iter().enumerate() {
                let id = k as u32 + 1;
                sh.post(id, job, 0, crate::lab::clock::now_ns());
                let progress = &sh.header.progress.0;
                let start = Instant::now();
                while progress.done_items.load(Ordering::Acquire) < job.items {
                    prop_assert!(
                        start.elapsed() < Duration::from_secs(20),
                        "job {id} stalled"
                    );
                    std::thread::yield_now();
                }
                // Each result is the function of its own item.
                for i in 0..job.items as usize {
                    prop_assert_eq!(sh.results[i].load(Ordering::Relaxed), work(i as u64));
                }
                // Each chunk completed once, and is logged once.
                let n = job.n_chunks();
                let logged = progress.done_chunks.load(Ordering::Acquire);
                prop_assert_eq!(logged, n);
                let mut seen = HashSet::new();
                for e in &sh.order[..n as usize] {
                    let w = e.load(Ordering::Acquire);
                    prop_assert_eq!((w >> 32) as u32, id);
                    prop_assert!(seen.insert(w as u32 - 1), "chunk logged twice");
                }
                for c in 0..n as usize {
                    let (j, status, _) =
                        split_chunk_word(sh.chunks[c].state.load(Ordering::Acquire));
                    prop_assert_eq!((j, status), (id, DONE));
                }
                // No item was computed twice: the workers' counts add up.
                let items: u64 = sh.header.positions[..workers]
                    .iter()
                    .map(|p| p.items.load(Ordering::Relaxed))
                    .sum();
                prop_assert_eq!(items - items_before, u64::from(job.items));
                items_before = items;
            }
            Ok(())
        };
        let result = check();
        sh.header.closing.store(1, Ordering::Release);
        sh.wake_workers();
        result
    })
}

fn chunk() -> impl Strategy<Value = ChunkChoice> {
    prop_oneof![
        Just(ChunkChoice::Default),
        (1u32..600).prop_map(ChunkChoice::Fixed),
    ]
}

fn method() -> impl Strategy<Value = Method> {
    proptest::sample::select(Method::ALL.to_vec())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn every_item_is_computed_exactly_once(
        workers in 1usize..=4,
        jobs in proptest::collection::vec((1u32..=CAPACITY as u32, chunk(), method()), 1..4),
    ) {
        let jobs: Vec<JobSpec> = jobs
            .into_iter()
            .map(|(items, c, m)| spec(items, c, workers as u32, m))
            .collect();
        run_jobs(workers, &jobs)?;
    }
}

#[test]
fn a_worker_with_no_place_wanted_leaves() {
    let region = Region::create_sized(2, CAPACITY).unwrap();
    let sh = view(&region);
    sh.init().unwrap();
    sh.open_pool(0, 0);
    sh.header.positions[0].reset_for(1);
    sh.header.positions[0].pid.store(77, Ordering::Release);
    let wait = Duration::from_millis(20);
    assert_eq!(
        serve(&sh, region.slot(0), 78, 1_000, wait),
        super::serve::NO_PLACE,
        "another process's place is not taken"
    );
}

/// Many tiny jobs back to back, so workers are often still looking at a job
/// while the next is posted: no chunk of the new job may be taken by a look
/// at the old one (it would never be done, and the job would stall).
#[test]
fn jobs_posted_back_to_back_lose_no_chunk() {
    let jobs: Vec<JobSpec> = (0..400)
        .map(|k| {
            spec(
                1 + (k * 7) % 40,
                ChunkChoice::Fixed(1),
                4,
                Method::ImapUnordered,
            )
        })
        .collect();
    run_jobs(4, &jobs).unwrap();
}
