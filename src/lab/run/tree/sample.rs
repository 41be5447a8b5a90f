//! [`sample_tree`]: the scan of every pid in `/proc` that finds the
//! program's processes by parent (this kernel has no `children` files),
//! then the full reading of each of them and of its threads.

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::time::{Duration, Instant};

use super::{ProcId, ProcessSample, Scope, ThreadSample, TreeSample};
use crate::lab::run::kind::{Kind, classify};
use crate::lab::run::procfs::{self, Stat};

/// CPU since `then` as percent of one core over `interval`.
fn percent(now: Duration, then: Duration, interval: Duration) -> f32 {
    let secs = interval.as_secs_f64();
    if secs <= 0.0 {
        return 0.0;
    }
    (now.saturating_sub(then).as_secs_f64() / secs * 100.0) as f32
}

/// Reads every process of the program described by `scope`. `prev` (the
/// previous reading) gives CPU deltas, keeps orphans found by identity, and
/// carries labels and the command lines of processes that became zombies.
pub fn sample_tree(scope: &Scope, prev: Option<&TreeSample>) -> TreeSample {
    let mut buf = Vec::with_capacity(1024);
    let at = Instant::now();
    let since_boot = procfs::since_boot();
    let all: Vec<Stat> = procfs::numeric_entries(Path::new("/proc"))
        .into_iter()
        .filter_map(|pid| procfs::read_stat(pid, &mut buf))
        .collect();
    let members = members(scope, prev, &all);
    let ctx = Reading {
        hz: procfs::ticks_per_second(),
        page: procfs::page_size(),
        since_boot,
        prev: prev
            .map(|p| p.processes.iter().map(|s| (s.id, s)).collect())
            .unwrap_or_default(),
        prev_boot: prev.map(|p| p.since_boot),
    };
    let mut processes = Vec::with_capacity(members.len());
    // Depth-first from the processes whose parent is not in the program.
    let by_parent = group_by_parent(&members);
    let member_pids: HashSet<u32> = members.iter().map(|s| s.pid).collect();
    let mut stack: Vec<(&Stat, Option<usize>, usize)> = members
        .iter()
        .filter(|s| !member_pids.contains(&s.ppid))
        .rev()
        .map(|s| (*s, None, 0))
        .collect();
    while let Some((stat, parent, depth)) = stack.pop() {
        let parent_sample = parent.map(|i: usize| &processes[i]);
        let sample = ctx.process(stat, parent_sample, depth, &scope.roots, &mut buf);
        processes.push(sample);
        let me = processes.len() - 1;
        if let Some(kids) = by_parent.get(&stat.pid) {
            stack.extend(kids.iter().rev().map(|k| (*k, Some(me), depth + 1)));
        }
    }
    let ended = prev
        .map(|p| {
            p.processes
                .iter()
                .filter(|old| !processes.iter().any(|new| new.id == old.id))
                .cloned()
                .collect()
        })
        .unwrap_or_default();
    TreeSample {
        at,
        since_boot,
        processes,
        ended,
    }
}

/// The readings of the program's processes, oldest first.
fn members<'a>(scope: &Scope, prev: Option<&TreeSample>, all: &'a [Stat]) -> Vec<&'a Stat> {
    let id = |s: &Stat| ProcId {
        pid: s.pid,
        start_ticks: s.start_ticks,
    };
    let known: HashSet<ProcId> = scope
        .roots
        .iter()
        .copied()
        .chain(
            prev.into_iter()
                .flat_map(|p| p.processes.iter().map(|s| s.id)),
        )
        .collect();
    let mut member: Vec<bool> = all
        .iter()
        .map(|s| {
            known.contains(&id(s)) || (scope.adopter == Some(s.ppid) && scope.group == Some(s.pgid))
        })
        .collect();
    let mut children: HashMap<u32, Vec<usize>> = HashMap::new();
    for (i, s) in all.iter().enumerate() {
        children.entry(s.ppid).or_default().push(i);
    }
    let mut queue: Vec<usize> = (0..all.len()).filter(|&i| member[i]).collect();
    while let Some(i) = queue.pop() {
        for &c in children.get(&all[i].pid).map(Vec::as_slice).unwrap_or(&[]) {
            if !member[c] {
                member[c] = true;
                queue.push(c);
            }
        }
    }
    let mut out: Vec<&Stat> = all
        .iter()
        .zip(member)
        .filter_map(|(s, m)| m.then_some(s))
        .collect();
    out.sort_by_key(|s| (s.start_ticks, s.pid));
    out
}

fn group_by_parent<'a>(members: &[&'a Stat]) -> HashMap<u32, Vec<&'a Stat>> {
    let mut map: HashMap<u32, Vec<&Stat>> = HashMap::new();
    for s in members {
        map.entry(s.ppid).or_default().push(s);
    }
    map
}

/// What one call of [`sample_tree`] reads processes with.
struct Reading<'a> {
    hz: u64,
    page: u64,
    since_boot: Duration,
    prev: HashMap<ProcId, &'a ProcessSample>,
    prev_boot: Option<Duration>,
}

impl Reading<'_> {
    /// The interval over which CPU is measured: since the previous reading,
    /// or since it started if that is later.
    fn interval(&self, start_ticks: u64, seen_before: bool) -> Duration {
        let since_start = self
            .since_boot
            .saturating_sub(procfs::ticks_to_duration(start_ticks, self.hz));
        match self.prev_boot {
            Some(b) if seen_before => self.since_boot.saturating_sub(b).min(since_start),
            _ => since_start,
        }
    }

    fn process(
        &self,
        stat: &Stat,
        parent: Option<&ProcessSample>,
        depth: usize,
        roots: &[ProcId],
        buf: &mut Vec<u8>,
    ) -> ProcessSample {
        let id = ProcId {
            pid: stat.pid,
            start_ticks: stat.start_ticks,
        };
        let before = self.prev.get(&id).copied();
        let mut cmdline = procfs::read_cmdline(stat.pid, buf);
        if cmdline.is_empty()
            && let Some(b) = before
        {
            // A zombie's command line is gone: keep the one it had.
            cmdline = b.cmdline.clone();
        }
        let is_root = roots.contains(&id);
        let kind = match (is_root, parent, before) {
            (true, _, _) => Kind::Main,
            (false, Some(p), _) => classify(&cmdline, Some(&p.cmdline)),
            // An orphan keeps what it was while its parent was known.
            (false, None, Some(b)) if b.cmdline == cmdline => b.kind,
            (false, None, _) => classify(&cmdline, None),
        };
        let cpu_time = procfs::ticks_to_duration(stat.cpu_ticks, self.hz);
        let interval = self.interval(stat.start_ticks, before.is_some());
        let cpu_percent = percent(
            cpu_time,
            before.map_or(Duration::ZERO, |b| b.cpu_time),
            interval,
        );
        let zombie = stat.state == 'Z';
        ProcessSample {
            id,
            ppid: stat.ppid,
            pgid: stat.pgid,
            parent: parent.map(|p| p.id),
            depth,
            orphan: parent.is_none() && !is_root,
            kind,
            label: before.and_then(|b| b.label.clone()),
            comm: stat.comm.clone(),
            cmdline,
            state: stat.state,
            cpu_percent,
            cpu_time,
            rss_bytes: stat.rss_pages * self.page,
            thread_count: stat.threads,
            threads: self.threads(stat.pid, before, buf),
            exitcode: stat
                .wait_status
                .filter(|_| zombie && procfs::wait_status_shown(stat.pid))
                .map(procfs::exitcode_of),
        }
    }

    fn threads(
        &self,
        pid: u32,
        before: Option<&ProcessSample>,
        buf: &mut Vec<u8>,
    ) -> Vec<ThreadSample> {
        let mut out = Vec::new();
        for tid in procfs::thread_ids(pid) {
            let Some(st) = procfs::read_thread_stat(pid, tid, buf) else {
                continue;
            };
            let (voluntary, involuntary) =
                procfs::read_thread_switches(pid, tid, buf).unwrap_or_default();
            let old = before.and_then(|b| {
                b.threads
                    .iter()
                    .find(|t| t.tid == tid && t.start_ticks == st.start_ticks)
            });
            let cpu_time = procfs::ticks_to_duration(st.cpu_ticks, self.hz);
            let interval = self.interval(st.start_ticks, old.is_some());
            out.push(ThreadSample {
                tid,
                start_ticks: st.start_ticks,
                name: st.comm,
                state: st.state,
                cpu_percent: percent(
                    cpu_time,
                    old.map_or(Duration::ZERO, |t| t.cpu_time),
                    interval,
                ),
                cpu_time,
                voluntary_switches: voluntary,
                involuntary_switches: involuntary,
            });
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A reading of this process, told that it was `id`.
    fn seen(id: ProcId) -> TreeSample {
        let me = ProcId::of_pid(std::process::id()).unwrap();
        let scope = Scope {
            roots: vec![me],
            ..Scope::default()
        };
        let mut s = sample_tree(&scope, None);
        s.processes.retain(|p| p.id == me);
        let p = &mut s.processes[0];
        p.id = id;
        p.kind = Kind::Child;
        p.label = Some("Process-1".into());
        s
    }

    #[test]
    fn a_process_seen_before_is_kept_by_pid_and_start_time_only() {
        let me = ProcId::of_pid(std::process::id()).unwrap();
        let prev = seen(me);
        let next = sample_tree(&Scope::default(), Some(&prev));
        let p = next.get(me).expect("kept by identity");
        assert!(p.orphan && p.parent.is_none() && p.depth == 0);
        assert_eq!(p.label.as_deref(), Some("Process-1"), "its label goes on");
        assert!(p.threads.iter().any(|t| t.tid == me.pid));
        assert!(next.ended.is_empty());

        // The same pid with another start time is another process.
        let reused = ProcId {
            start_ticks: me.start_ticks + 1,
            ..me
        };
        let next = sample_tree(&Scope::default(), Some(&seen(reused)));
        assert!(next.processes.is_empty());
        assert_eq!(next.ended.len(), 1, "the one seen before has ended");
    }
}
