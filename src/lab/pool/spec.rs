//! What a pool job is: the pool's constructor arguments, the method that
//! submits the items, the chunk size, and what each item costs.
//!
//! Python's rules are kept exactly: `Pool.map` splits `len(items)` into
//! chunks of `divmod(len, 4 * processes)` (plus one if there is a
//! remainder); `imap` and `imap_unordered` default to chunks of 1;
//! `apply_async` and `ProcessPoolExecutor.submit` make one task per call.
//! A task (what `maxtasksperchild` counts) is one chunk.

use std::ops::Range;

/// The most workers a pool may have at once (lettered A to Z, then AA on).
pub const MAX_POOL_WORKERS: usize = 52;

/// Bytes of shared memory one item takes: its result (8), its share of a
/// chunk record (24, a chunk may be one item) and of the completion log (8).
pub const BYTES_PER_ITEM: usize = 40;

/// Shared memory a job may take at most.
pub const MEMORY_BUDGET: usize = 40_000_000;

/// The most items a job may have, so that the job fits [`MEMORY_BUDGET`].
pub const MAX_ITEMS: usize = MEMORY_BUDGET / BYTES_PER_ITEM;

/// The items a job has unless told otherwise.
pub const DEFAULT_ITEMS: usize = 2_000;

/// How much heavier the heavy items of a skewed job are (the docs of
/// [`Cost::Skewed`] say 50 too).
pub const HEAVY_FACTOR: u32 = 50;

/// The function every item goes through: the course's `do_work(x)`,
/// `return x ** 2` (wrapping, as a fixed-size integer does).
pub fn work(x: u64) -> u64 {
    x.wrapping_mul(x)
}

/// How the items are handed to the pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, clap::ValueEnum)]
pub enum Method {
    /// `pool.map(work, items, chunksize)`: every result at once, in order.
    Map,
    /// `pool.imap(work, items, chunksize)`: results in order, as they come.
    Imap,
    /// `pool.imap_unordered(work, items, chunksize)`: results as they complete.
    #[value(name = "imap_unordered", alias = "imap-unordered")]
    ImapUnordered,
    /// `pool.apply_async(work, (x,), callback=...)` per item.
    #[value(name = "apply_async", alias = "apply-async")]
    ApplyAsync,
    /// `ProcessPoolExecutor.submit` per item, then `as_completed`.
    Futures,
}

impl Method {
    pub const ALL: [Method; 5] = [
        Method::Map,
        Method::Imap,
        Method::ImapUnordered,
        Method::ApplyAsync,
        Method::Futures,
    ];

    /// The name as Python spells it (and as `--method` takes it).
    pub fn name(self) -> &'static str {
        match self {
            Method::Map => "map",
            Method::Imap => "imap",
            Method::ImapUnordered => "imap_unordered",
            Method::ApplyAsync => "apply_async",
            Method::Futures => "futures",
        }
    }

    pub fn next(self) -> Method {
        let i = Method::ALL.iter().position(|&m| m == self).unwrap_or(0);
        Method::ALL[(i + 1) % Method::ALL.len()]
    }

    /// Results reach the caller in the order of the items.
    pub fn ordered(self) -> bool {
        matches!(self, Method::Map | Method::Imap)
    }

    /// The items go in chunks (a chunk size applies).
    pub fn chunked(self) -> bool {
        matches!(self, Method::Map | Method::Imap | Method::ImapUnordered)
    }

    /// Run by a `ProcessPoolExecutor` rather than a `multiprocessing.Pool`.
    pub fn executor(self) -> bool {
        self == Method::Futures
    }

    /// Python's chunk size when none is given.
    pub fn default_chunksize(self, items: usize, workers: usize) -> usize {
        match self {
            Method::Map => map_default_chunksize(items, workers),
            _ => 1,
        }
    }
}

/// `Pool.map`'s chunk size when none is given (CPython,
/// `Lib/multiprocessing/pool.py`, `Pool._map_async`):
/// `chunksize, extra = divmod(len(iterable), len(self._pool) * 4)`, plus one
/// if `extra`.
pub fn map_default_chunksize(items: usize, workers: usize) -> usize {
    let per = workers.max(1) * 4;
    let (chunksize, extra) = (items / per, items % per);
    if extra > 0 { chunksize + 1 } else { chunksize }
}

/// The chunk size asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ChunkChoice {
    /// Python's default for the method.
    Default,
    Fixed(u32),
}

/// What the items cost.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, clap::ValueEnum)]
pub enum Cost {
    /// Every item costs the same.
    #[default]
    Uniform,
    /// One item in a hundred is 50 times heavier, all of them side by side
    /// near the end of the list, where one chunk holds them.
    Skewed,
}

impl Cost {
    pub fn name(self) -> &'static str {
        match self {
            Cost::Uniform => "uniform",
            Cost::Skewed => "skewed",
        }
    }

    /// The heavy items of a job of `items`: one in a hundred (at least one),
    /// side by side from seven eighths of the way in.
    pub fn heavy(self, items: u32) -> Range<u32> {
        match self {
            Cost::Uniform => 0..0,
            Cost::Skewed => {
                let start = (u64::from(items) * 7 / 8) as u32;
                let len = (items / 100).max(1);
                start..(start + len).min(items)
            }
        }
    }
}

/// A pool as Python builds it: `Pool(processes, initializer, maxtasksperchild)`
/// or `ProcessPoolExecutor(max_workers, initializer, max_tasks_per_child)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PoolConfig {
    pub workers: u32,
    pub maxtasks: Option<u32>,
    /// Wall time of each worker's initializer (0: none).
    pub init_ms: u32,
    /// A `ProcessPoolExecutor` rather than a `Pool`.
    pub executor: bool,
}

/// One job: a pool and what is submitted to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct JobSpec {
    pub method: Method,
    pub items: u32,
    pub chunk: ChunkChoice,
    pub workers: u32,
    pub maxtasks: Option<u32>,
    pub cost: Cost,
    /// Time one ordinary item takes, in microseconds (0: trivial).
    pub item_us: u32,
    pub init_ms: u32,
}

impl JobSpec {
    /// The chunk size the job runs with.
    pub fn chunksize(&self) -> u32 {
        if !self.method.chunked() {
            return 1;
        }
        match self.chunk {
            ChunkChoice::Default => self
                .method
                .default_chunksize(self.items as usize, self.workers as usize)
                as u32,
            ChunkChoice::Fixed(n) => n.max(1),
        }
        .max(1)
    }

    /// Whether the chunk size is Python's default for the method.
    pub fn chunksize_is_default(&self) -> bool {
        !self.method.chunked() || self.chunk == ChunkChoice::Default
    }

    pub fn n_chunks(&self) -> u32 {
        self.items.div_ceil(self.chunksize())
    }

    /// The items of chunk `c`.
    pub fn chunk_items(&self, c: u32) -> Range<u32> {
        let size = self.chunksize();
        let start = c.saturating_mul(size).min(self.items);
        start..start.saturating_add(size).min(self.items)
    }

    pub fn pool(&self) -> PoolConfig {
        PoolConfig {
            workers: self.workers,
            maxtasks: self.maxtasks,
            init_ms: self.init_ms,
            executor: self.method.executor(),
        }
    }

    /// Expected time of the whole job on one worker, ignoring overhead.
    pub fn serial_work_us(&self) -> u64 {
        let heavy = self.cost.heavy(self.items).len() as u64;
        let light = u64::from(self.items) - heavy;
        (light + heavy * u64::from(HEAVY_FACTOR)) * u64::from(self.item_us)
    }
}

/// Worker `serial`'s letters, never the same for two workers: A to Z,
/// then AA, AB ... ZZ, then AAA ... as columns are named. Capitals only:
/// the grid writes a chunk taken but not started in small letters.
pub fn letter(serial: u32) -> String {
    let mut n = serial.max(1);
    let mut out = Vec::new();
    while n > 0 {
        n -= 1;
        out.push(b'A' + (n % 26) as u8);
        n /= 26;
    }
    out.reverse();
    String::from_utf8(out).expect("ASCII capitals")
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn spec(method: Method, items: u32, chunk: ChunkChoice, workers: u32) -> JobSpec {
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

    #[test]
    fn the_figures_of_the_course() {
        // Pool(2).map over 20,000 items: chunks of 2,500.
        assert_eq!(map_default_chunksize(20_000, 2), 2_500);
        // 2,000 items on 2 workers: 250; on 3: 167 (2000 = 166 * 12 + 8).
        assert_eq!(map_default_chunksize(2_000, 2), 250);
        assert_eq!(map_default_chunksize(2_000, 3), 167);
        assert_eq!(map_default_chunksize(1, 8), 1);
    }

    #[test]
    fn only_map_chunks_by_default() {
        for m in Method::ALL {
            let s = spec(m, 2_000, ChunkChoice::Default, 2);
            let want = if m == Method::Map { 250 } else { 1 };
            assert_eq!(s.chunksize(), want, "{m:?}");
        }
        let fixed = spec(Method::ApplyAsync, 2_000, ChunkChoice::Fixed(50), 2);
        assert_eq!(fixed.chunksize(), 1, "apply_async makes one task per call");
    }

    #[test]
    fn the_skewed_band_is_one_percent_near_the_end() {
        assert_eq!(Cost::Skewed.heavy(2_000), 1_750..1_770);
        assert_eq!(Cost::Skewed.heavy(10), 8..9);
        assert_eq!(Cost::Skewed.heavy(1), 0..1);
        assert!(Cost::Uniform.heavy(2_000).is_empty());
    }

    #[test]
    fn letters_never_wrap_round() {
        assert_eq!(letter(1), "A");
        assert_eq!(letter(26), "Z");
        assert_eq!(letter(27), "AA");
        assert_eq!(letter(52), "AZ");
        assert_eq!(letter(53), "BA");
        assert_eq!(letter(702), "ZZ");
        assert_eq!(letter(703), "AAA");
        let names: std::collections::HashSet<String> = (1..=3000).map(letter).collect();
        assert_eq!(names.len(), 3000, "never the same letters twice");
    }

    /// CPython's own lines, transcribed: the reference the formula must meet.
    fn cpython(items: usize, processes: usize) -> usize {
        let (mut chunksize, extra) = (items / (processes * 4), items % (processes * 4));
        if extra != 0 {
            chunksize += 1;
        }
        if items == 0 {
            chunksize = 0;
        }
        chunksize
    }

    proptest! {
        #[test]
        fn the_default_chunksize_is_pythons(items in 1usize..5_000_000, workers in 1usize..=52) {
            let c = map_default_chunksize(items, workers);
            prop_assert_eq!(c, cpython(items, workers));
            // What the formula is for: about four chunks per worker, never more.
            let chunks = items.div_ceil(c);
            prop_assert!(chunks <= 4 * workers);
            prop_assert!(c * 4 * workers >= items);
        }

        #[test]
        fn chunks_cover_every_item_once(items in 1u32..20_000, size in 1u32..30_000, workers in 1u32..=52) {
            for chunk in [ChunkChoice::Default, ChunkChoice::Fixed(size)] {
                let s = spec(Method::Map, items, chunk, workers);
                let mut next = 0;
                for c in 0..s.n_chunks() {
                    let r = s.chunk_items(c);
                    prop_assert_eq!(r.start, next);
                    prop_assert!(!r.is_empty());
                    next = r.end;
                }
                prop_assert_eq!(next, items);
            }
        }
    }
}
