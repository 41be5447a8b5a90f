//! The run view's view models, built from its state: the process tree's
//! rows (live ones in tree order, then the ones that ended, newest first),
//! the selected process's threads and what is worth saying about it, the
//! queues, shared values and pools the program made, and its output.

use crate::app::Action;
use crate::app::claims::Run;
use crate::lab::run::instrument::state::Role;
use crate::lab::run::{Kind, ProcId, ProcessSample};

use super::narrate::{self, Who};
use super::{Panel, RunState};

/// One row of the process tree.
#[derive(Debug, Clone, PartialEq)]
pub struct ProcRow {
    pub id: ProcId,
    pub depth: usize,
    /// What it is: `main demo.py`, `Process primes-0 → worker`, `Pool
    /// worker ForkPoolWorker-1`, `resource tracker`...
    pub what: String,
    /// The kernel's state letter; `-` once gone.
    pub letter: char,
    pub words: String,
    pub cpu: f32,
    pub rss: u64,
    /// The program's threads (not proclab's reporting thread).
    pub threads: usize,
    /// Python's exitcode, once known.
    pub exitcode: Option<i32>,
    pub live: bool,
    pub zombie: bool,
    pub stopped: bool,
    /// Its threads take turns under the GIL.
    pub gil: bool,
}

/// One thread of the selected process.
#[derive(Debug, Clone, PartialEq)]
pub struct ThreadRow {
    pub tid: u32,
    pub main: bool,
    pub letter: char,
    pub words: &'static str,
    pub cpu: f32,
    /// It is one of the threads taking turns under the GIL.
    pub gil: bool,
    /// What it waits in, where the instrumentation saw it.
    pub waits: Option<String>,
}

/// A line about the selected process: Python, if any, and words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Detail {
    pub python: Option<String>,
    pub text: String,
    pub notable: bool,
}

/// A queue the program made.
#[derive(Debug, Clone, PartialEq)]
pub struct QueueRow {
    pub python: String,
    pub site: String,
    pub depth: i64,
    pub maxsize: Option<i64>,
    /// Depth over time, in percent of the most it held (or its maxsize).
    pub history: Vec<f32>,
    /// Who waits on it, and how: `2 in put`.
    pub waiting: String,
}

/// A Value or Array the program made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValueRow {
    pub python: String,
    pub site: String,
    pub value: String,
}

/// A Pool the program made, and its jobs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PoolRow {
    pub python: String,
    pub site: String,
    pub jobs: Vec<JobRow>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobRow {
    /// `job 0: map(square), chunks of 3, 20 items`.
    pub call: String,
    /// Each worker: its name, the chunks it took, and the items.
    pub workers: Vec<(String, String, u64)>,
}

/// The header's words for the run view.
pub fn header(s: &RunState) -> String {
    let Some(w) = &s.watching else {
        return "nothing watched: proclab run script.py, or R in a lab ".into();
    };
    if !w.owned {
        let state = if s.exited.is_some() { "ended" } else { "q leaves it running" };
        return format!(
            "attached to {} · {state} ",
            s.main_pid.unwrap_or_default()
        );
    }
    let state = match s.exited {
        None => "running".to_string(),
        Some(Some(code)) => format!("exit {code}"),
        Some(None) => "ended".to_string(),
    };
    format!("{} · run {} · {state} ", short_command(&w.what), s.run)
}

/// `python3 /a/b/demo.py 3` as `demo.py 3`.
fn short_command(what: &str) -> String {
    let words: Vec<&str> = what.split_whitespace().collect();
    let start = match words.first() {
        Some(w) if w.rsplit('/').next().is_some_and(|b| b.starts_with("python")) => 1,
        _ => 0,
    };
    words[start.min(words.len())..]
        .iter()
        .enumerate()
        .map(|(i, w)| if i == 0 { w.rsplit('/').next().unwrap_or(w) } else { w })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The main script's name from a command line: `demo.py`.
fn script_of(cmdline: &[String]) -> String {
    let mut words = cmdline.iter();
    let first = words.next().map(String::as_str).unwrap_or("");
    let base = first.rsplit('/').next().unwrap_or(first);
    if base.starts_with("python") {
        if let Some(script) = words.find(|w| !w.starts_with('-')) {
            return script.rsplit('/').next().unwrap_or(script).to_string();
        }
        return base.to_string();
    }
    base.to_string()
}

/// What a process is, from the instrumentation, else its command line.
pub fn what_of(s: &RunState, p: &ProcessSample) -> String {
    let m = s.model.processes.get(&p.id.pid);
    let name = m.and_then(|m| m.name.clone()).unwrap_or_default();
    let role = m.map(|m| m.role);
    let what = match (p.kind, role) {
        (Kind::Main, _) => format!("main {}", script_of(&p.cmdline)),
        (_, Some(Role::Process)) => {
            let target = m
                .and_then(|m| m.target.as_deref())
                .map(|t| format!(" → {}", narrate::short_target(t)))
                .unwrap_or_default();
            format!("Process {name}{target}")
        }
        (_, Some(Role::PoolWorker)) => format!("Pool worker {name}"),
        (_, Some(Role::Manager)) => format!("Manager server {name}"),
        (Kind::ResourceTracker, _) | (_, Some(Role::ResourceTracker)) => "resource tracker".into(),
        (Kind::Forkserver, _) | (_, Some(Role::Forkserver)) => "forkserver".into(),
        (_, Some(Role::Forked)) => "os.fork() child".into(),
        (Kind::Spawned, _) => "spawned child".into(),
        (Kind::Child, _) => "forked child".into(),
        (Kind::Command, _) => format!("command {}", script_of(&p.cmdline)),
    };
    if p.orphan { format!("orphan: {what}") } else { what }
}

fn row(s: &RunState, p: &ProcessSample) -> ProcRow {
    let m = s.model.processes.get(&p.id.pid);
    let waits = m
        .and_then(|m| m.waits.first())
        .map(|w| format!("in {}", w.call));
    let words = if p.is_unjoined_zombie() {
        "zombie: not joined".to_string()
    } else if p.is_stopped() && s.pending_term.contains(&p.id) {
        "stopped, SIGTERM pending".into()
    } else if let (Some(w), 'S') = (waits, p.state) {
        w
    } else {
        p.state_words().to_string()
    };
    ProcRow {
        id: p.id,
        depth: p.depth,
        what: what_of(s, p),
        letter: p.state,
        words,
        cpu: p.cpu_percent,
        rss: p.rss_bytes,
        threads: p.threads.len(),
        exitcode: p.exitcode,
        live: true,
        zombie: p.is_zombie(),
        stopped: p.is_stopped(),
        gil: s.verdicts.iter().any(|v| v.id == p.id),
    }
}

/// Every row: the live processes in tree order, then those that ended,
/// newest first.
pub fn rows(s: &RunState) -> Vec<ProcRow> {
    let mut rows: Vec<ProcRow> = s
        .sample
        .iter()
        .flat_map(|t| t.processes.iter())
        .map(|p| row(s, p))
        .collect();
    for g in s.gone.iter().rev() {
        let mut r = row(s, &g.process);
        r.letter = '-';
        r.words = match &g.reaped_by {
            Some(by) => format!("ended, reaped by {by}"),
            None => "ended".into(),
        };
        r.cpu = 0.0;
        r.exitcode = g.exitcode;
        r.live = false;
        r.zombie = false;
        r.stopped = false;
        r.gil = false;
        rows.push(r);
    }
    rows
}

/// The ids of the rows, in order, for selection.
fn ids(s: &RunState) -> Vec<ProcId> {
    s.sample
        .iter()
        .flat_map(|t| t.processes.iter().map(|p| p.id))
        .chain(s.gone.iter().rev().map(|g| g.process.id))
        .collect()
}

/// Moves the selection through the tree's rows.
pub fn select(s: &mut RunState, action: Action) {
    let ids = ids(s);
    if ids.is_empty() {
        return;
    }
    let at = s
        .selected
        .and_then(|id| ids.iter().position(|&i| i == id))
        .unwrap_or(0);
    let last = ids.len() - 1;
    let to = match action {
        Action::SelectPrev => at.saturating_sub(1),
        Action::SelectNext => (at + 1).min(last),
        Action::SelectFirst => 0,
        Action::SelectLast => last,
        Action::SelectRow(n) => n.min(last),
        _ => at,
    };
    s.selected = Some(ids[to]);
}

/// The row index of the selection.
pub fn selected_index(s: &RunState) -> Option<usize> {
    let id = s.selected?;
    ids(s).iter().position(|&i| i == id)
}

/// The panel after `current` among those with something to show.
pub fn next_panel(panels: &[Panel], current: Panel) -> Panel {
    let at = panels.iter().position(|&p| p == current);
    match at {
        Some(i) => panels[(i + 1) % panels.len()],
        None => panels.first().copied().unwrap_or_default(),
    }
}

/// The selected process's threads, its main thread first.
pub fn threads(s: &RunState) -> Vec<ThreadRow> {
    let Some(p) = s.selected.and_then(|id| s.sample.as_ref()?.get(id)) else {
        return Vec::new();
    };
    let verdict = s.verdicts.iter().find(|v| v.id == p.id);
    let waits = s.model.processes.get(&p.id.pid).map(|m| &m.waits);
    let mut rows: Vec<ThreadRow> = p
        .threads
        .iter()
        .map(|t| ThreadRow {
            tid: t.tid,
            main: t.tid == p.id.pid,
            letter: t.state,
            words: crate::metrics::procstat::state_words(t.state),
            cpu: t.cpu_percent,
            gil: verdict.is_some_and(|v| v.busy.iter().any(|b| b.tid == t.tid)),
            waits: waits
                .and_then(|w| w.iter().find(|w| w.tid == Some(t.tid)))
                .map(|w| w.call.clone()),
        })
        .collect();
    rows.sort_by_key(|r| (!r.main, r.tid));
    rows
}

/// What is worth saying about the selected process.
pub fn detail(s: &RunState) -> Vec<Detail> {
    let Some(id) = s.selected else {
        return Vec::new();
    };
    let who = Who::of(s, id.pid);
    let mut out = Vec::new();
    if let Some(g) = s.gone.iter().find(|g| g.process.id == id) {
        let code = g
            .exitcode
            .map_or("exitcode not known".into(), |c| format!("exitcode {}", crate::lab::describe_exitcode(c)));
        let by = g.reaped_by.as_ref().map(|b| format!(", reaped by {b}")).unwrap_or_default();
        out.push(Detail {
            python: None,
            text: format!("{} ended: {code}{by}", who.words()),
            notable: false,
        });
        return out;
    }
    let Some(sample) = s.sample.as_ref() else {
        return out;
    };
    let Some(p) = sample.get(id) else {
        return out;
    };
    if p.is_unjoined_zombie() {
        let forkserver = p
            .parent
            .and_then(|pid| sample.get(pid))
            .is_some_and(|parent| parent.kind == Kind::Forkserver);
        let code = p.exitcode.map(|c| format!(" with {}", crate::lab::describe_exitcode(c))).unwrap_or_default();
        out.push(Detail {
            python: Some(narrate::reaper(&who, forkserver)),
            text: format!("ended{code} and not joined: a zombie until its parent reaps it"),
            notable: true,
        });
    } else if p.is_zombie() {
        out.push(Detail {
            python: None,
            text: "ended: a zombie until its parent reaps it".into(),
            notable: false,
        });
    }
    if p.is_stopped() && s.pending_term.contains(&id) {
        out.push(Detail {
            python: Some(Run::ContinuePending.fill(&[("pid", &id.pid.to_string())])),
            text: "stopped with SIGTERM pending: it ends once resumed".into(),
            notable: true,
        });
    }
    if let Some(v) = s.verdicts.iter().find(|v| v.id == id) {
        out.push(Detail {
            python: Some(Run::GilTurns.fill(&[("n", &v.busy.len().to_string())])),
            text: narrate::gil_words(&who, v),
            notable: true,
        });
    }
    let m = s.model.processes.get(&id.pid);
    if let Some(m) = m.filter(|m| m.free_threaded && !m.gil && p.threads.len() > 1) {
        out.push(Detail {
            python: None,
            text: format!(
                "CPython {} free-threaded, the GIL off: its threads may run at once",
                m.python.as_deref().unwrap_or("")
            ),
            notable: false,
        });
    }
    for w in m.map(|m| m.waits.as_slice()).unwrap_or_default() {
        let at = w
            .at
            .as_ref()
            .map(|site| format!(" at {}", narrate::site(site, s.root.as_deref())))
            .unwrap_or_default();
        out.push(Detail {
            python: None,
            text: format!("waits in {}{at}", w.call),
            notable: false,
        });
    }
    if out.is_empty() {
        out.push(Detail {
            python: None,
            text: format!("{}: {}", who.words(), p.cmdline.join(" ")),
            notable: false,
        });
    }
    out
}

/// `0-2,5,7-8`.
pub fn ranges(taken: &[(u64, u64)]) -> String {
    let mut sorted = taken.to_vec();
    sorted.sort_unstable();
    let mut merged: Vec<(u64, u64)> = Vec::new();
    for (a, b) in sorted {
        match merged.last_mut() {
            Some(last) if a <= last.1 + 1 => last.1 = last.1.max(b),
            _ => merged.push((a, b)),
        }
    }
    merged
        .iter()
        .map(|&(a, b)| if a == b { a.to_string() } else { format!("{a}-{b}") })
        .collect::<Vec<_>>()
        .join(",")
}

fn site_of(s: &RunState, site: Option<&crate::lab::run::instrument::Site>) -> String {
    site.map(|site| narrate::site(site, s.root.as_deref()))
        .unwrap_or_default()
}

/// The queues, in the order they were made.
pub fn queues(s: &RunState) -> Vec<QueueRow> {
    let mut qs: Vec<_> = s.model.queues.values().collect();
    qs.sort_by(|a, b| a.made_at.cmp(&b.made_at).then(a.id.cmp(&b.id)));
    qs.into_iter()
        .map(|q| {
            let most = q
                .history
                .iter()
                .map(|&(_, d)| d)
                .max()
                .unwrap_or(0)
                .max(narrate::bounded(q.maxsize).unwrap_or(0))
                .max(1) as f32;
            let mut waits: Vec<(String, usize)> = Vec::new();
            for (_, w) in s.model.waiting_on(&q.id) {
                let call = w.call.rsplit('.').next().unwrap_or(&w.call).to_string();
                match waits.iter_mut().find(|(c, _)| *c == call) {
                    Some((_, n)) => *n += 1,
                    None => waits.push((call, 1)),
                }
            }
            let waiting = waits
                .iter()
                .map(|(c, n)| format!("{n} in {c}()"))
                .collect::<Vec<_>>()
                .join(", ");
            let python = match (q.kind.as_str(), narrate::bounded(q.maxsize)) {
                ("JoinableQueue", Some(m)) => Run::JoinableQueue.fill(&[("n", &m.to_string())]),
                ("JoinableQueue", None) => Run::JoinableQueueUnbounded.fill(&[]),
                ("SimpleQueue", _) => Run::SimpleQueue.fill(&[]),
                (_, Some(m)) => Run::Queue.fill(&[("n", &m.to_string())]),
                (_, None) => Run::QueueUnbounded.fill(&[]),
            };
            QueueRow {
                python,
                site: site_of(s, q.made_at.as_ref()),
                depth: q.depth(),
                maxsize: narrate::bounded(q.maxsize),
                history: q
                    .history
                    .iter()
                    .map(|&(_, d)| d.max(0) as f32 / most * 100.0)
                    .collect(),
                waiting,
            }
        })
        .collect()
}

/// A JSON value as Python would print it, cut short.
fn python_value(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::Null => "None".into(),
        serde_json::Value::Bool(b) => if *b { "True" } else { "False" }.into(),
        serde_json::Value::String(t) => format!("{t:?}"),
        serde_json::Value::Array(items) => format!(
            "[{}]",
            items.iter().map(python_value).collect::<Vec<_>>().join(", ")
        ),
        other => other.to_string(),
    }
}

/// The shared values, in the order they were made.
pub fn values(s: &RunState) -> Vec<ValueRow> {
    let mut vs: Vec<_> = s.model.shared.values().collect();
    vs.sort_by(|a, b| a.made.t.total_cmp(&b.made.t));
    vs.into_iter()
        .map(|v| {
            let tc = match v.made.typecode.as_deref() {
                Some(c) if c.chars().count() == 1 => format!("'{c}'"),
                Some(c) => c.to_string(),
                None => "'?'".into(),
            };
            let python = match v.made.what.as_str() {
                "Array" | "RawArray" => Run::Array.fill(&[
                    ("tc", &tc),
                    ("n", &v.made.len.map_or("n".into(), |l| l.to_string())),
                ]),
                _ => Run::Value.fill(&[
                    ("tc", &tc),
                    ("value", &v.made.value.as_ref().map_or("0".into(), python_value)),
                ]),
            };
            ValueRow {
                python,
                site: site_of(s, v.made.at.as_ref()),
                value: python_value(&v.value),
            }
        })
        .collect()
}

/// The pools, each with its jobs and who took which chunks.
pub fn pools(s: &RunState) -> Vec<PoolRow> {
    let mut ps: Vec<_> = s.model.pools.values().collect();
    ps.sort_by(|a, b| a.made.t.total_cmp(&b.made.t));
    ps.into_iter()
        .map(|pool| {
            let jobs = pool
                .jobs
                .iter()
                .map(|(n, job)| {
                    let call = match &job.call {
                        Some(c) => {
                            let func = c.func.as_deref().map(narrate::short_target).unwrap_or("?");
                            let chunk = c
                                .chunksize
                                .map(|k| format!(", chunks of {k}"))
                                .unwrap_or_default();
                            let items = c.items.map(|i| format!(", {i} items")).unwrap_or_default();
                            format!("job {n}: {}({func}){chunk}{items}", c.api)
                        }
                        None => format!("job {n}"),
                    };
                    let workers = job
                        .taken
                        .iter()
                        .map(|(pid, taken)| {
                            let who = Who::of(s, *pid);
                            let name = who.name.unwrap_or_else(|| pid.to_string());
                            (name, ranges(taken), job.items.get(pid).copied().unwrap_or(0))
                        })
                        .collect();
                    JobRow { call, workers }
                })
                .collect();
            PoolRow {
                python: crate::app::claims::Pool::MakePool.fill(&[
                    ("n", &pool.made.processes.map_or(String::new(), |p| p.to_string())),
                    ("options", ""),
                ]),
                site: site_of(s, pool.made.at.as_ref()),
                jobs,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_and_ranges_read_short() {
        assert_eq!(short_command("python3 /a/b/demo.py 3"), "demo.py 3");
        assert_eq!(short_command("/usr/bin/env x"), "env x");
        assert_eq!(script_of(&["python3".into(), "-u".into(), "/x/y.py".into()]), "y.py");
        assert_eq!(ranges(&[(5, 5), (0, 2), (3, 3), (7, 8)]), "0-3,5,7-8");
        assert_eq!(next_panel(&[Panel::Output, Panel::Threads], Panel::Threads), Panel::Output);
        assert_eq!(next_panel(&[Panel::Output, Panel::Threads], Panel::Pools), Panel::Output);
    }
}
