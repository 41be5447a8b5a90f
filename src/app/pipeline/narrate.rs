//! The pipeline lab's log lines, each with the Python that does the same,
//! taken from the claims table (`claims::Pipeline`, and `claims::Pipe`
//! for the pipe between fetch and process).

use crate::app::claims::{Pipe, Pipeline};
use crate::app::comms::{HeldOpen, ends_words, error};
use crate::app::narrate::{Line, line, note};
use crate::lab::WorkerId;
use crate::lab::comms::Ends;
use crate::lab::comms::holders::Holder;
use crate::lab::pipeline::{self, PipelineEvent, Stopping};

/// The pipe's two variables, `r, w = Pipe(duplex=False)`.
const R_W: [(&str, &str); 2] = [("end", "r"), ("other", "w")];

/// The code that says what happens to the unused ends of the pipe.
pub fn ends_code(ends: Ends) -> String {
    match ends {
        Ends::Closed => Pipe::CloseInParent.fill(&R_W),
        Ends::Open => Pipe::LeftOpen.fill(&R_W),
    }
}

pub fn stage_ms(stage: usize, ms: u32) -> Line {
    let name = pipeline::STAGES[stage].label();
    let python = if ms == 0 {
        Pipeline::StageNoWork.fill(&[("stage", name)])
    } else {
        let s = format!("{:.3}", f64::from(ms) / 1000.0);
        Pipeline::StageWork.fill(&[("s", &s), ("stage", name)])
    };
    line(
        python,
        format!("{name} takes {ms} ms per item ({})", per_second(ms)),
    )
}

fn per_second(ms: u32) -> String {
    if ms == 0 {
        "flat out".into()
    } else {
        format!("{:.1}/s at most", 1000.0 / f64::from(ms))
    }
}

pub fn pipeline_ends(ends: Ends) -> Line {
    let text = match ends {
        Ends::Closed => {
            "next run: ends closed, by the parent after start(), by fetch and process the end each does not use, by save both"
        }
        Ends::Open => {
            "next run: ends left open, the classic bug: a stage whose neighbour dies waits for ever"
        }
    };
    line(ends_code(ends), text.into())
}

pub fn pipeline_started(ids: [WorkerId; 3], ends: Ends) -> Vec<Line> {
    let [f, p, s] = ids;
    let capacity = pipeline::QUEUE_CAPACITY.to_string();
    let mut lines = vec![
        line(
            Pipe::OneWay.code().to_string(),
            "an OS pipe: fetch writes w, process reads r".into(),
        ),
        line(
            Pipeline::Make.fill(&[("n", &capacity)]),
            "a queue: process puts, save gets".into(),
        ),
        line(
            Pipeline::StartAll.code().to_string(),
            format!("fetch is worker {f}, process {p}, save {s}"),
        ),
    ];
    match ends {
        Ends::Closed => {
            lines.push(line(
                ends_code(ends),
                "proclab, the parent, closes its copies of r and w".into(),
            ));
            for (id, end, other) in [(f, "w", "r"), (p, "r", "w")] {
                lines.push(line(
                    Pipe::CloseUnused.fill(&[
                        ("other", other),
                        ("p", &format!("p{id}")),
                        ("end", end),
                    ]),
                    format!("worker {id} closes the {other} it holds and does not use"),
                ));
            }
            lines.push(line(
                Pipeline::CloseInBystander.code().to_string(),
                format!("worker {s} closes both: it uses the queue alone"),
            ));
        }
        Ends::Open => lines.push(note(
            ends_code(ends),
            format!(
                "{}: proclab and all three stages hold r and w; a stage whose neighbour dies waits for ever",
                ends_words(ends)
            ),
        )),
    }
    lines
}

pub fn no_stage() -> Line {
    note(
        None,
        "no pipeline has run yet, so no stage to act on: s starts one".into(),
    )
}

pub fn pipeline_stopping(how: Stopping) -> Line {
    match how {
        Stopping::Fetch => line(
            Pipeline::Stop.code().to_string(),
            "stopping: the sentinel goes down the line behind the backlog".into(),
        ),
        Stopping::ForSave => line(
            Pipeline::SentinelForSave.code().to_string(),
            "stopping: process is gone, so the parent puts the sentinel in its place".into(),
        ),
        Stopping::NoSender => note(
            None,
            "fetch is gone: no sentinel can reach process, which ends only when every copy of w is closed; t or k ends it".into(),
        ),
    }
}

/// What the panel keeps of a [`PipelineEvent::HeldOpen`]: fetch waits on
/// the other side of r, process on the other side of w.
pub fn held_open(stage: usize, id: WorkerId, holders: Vec<Holder>) -> HeldOpen {
    HeldOpen {
        id,
        other: if stage == 0 { "r" } else { "w" },
        holders,
    }
}

/// A pipeline event as a log line.
pub fn pipeline_event(e: &PipelineEvent) -> Line {
    match e {
        PipelineEvent::StageDone { stage: 0, id } => line(
            Pipeline::FetchDone.code().to_string(),
            format!("fetch (worker {id}) sent the sentinel and returned"),
        ),
        PipelineEvent::StageDone { stage: 1, id } => line(
            Pipeline::ProcessDone.code().to_string(),
            format!("process (worker {id}) passed the sentinel on and returned"),
        ),
        PipelineEvent::StageDone { id, .. } => line(
            Pipeline::SaveDone.code().to_string(),
            format!("save (worker {id}) got the sentinel: the pipeline is drained"),
        ),
        PipelineEvent::Eof { id } => note(
            Pipeline::Eof.code().to_string(),
            format!(
                "process (worker {id}) caught EOFError: every copy of w is closed; it passes a sentinel on"
            ),
        ),
        PipelineEvent::Broken { id } => note(
            Pipeline::Broken.code().to_string(),
            format!(
                "fetch (worker {id}) caught BrokenPipeError: every copy of r is closed; it returns"
            ),
        ),
        PipelineEvent::Lost { id, count } => error(
            None,
            format!("save (worker {id}) died holding {count} item(s): lost"),
        ),
        PipelineEvent::HeldOpen { stage, id, holders } => {
            let held = held_open(*stage, *id, holders.clone());
            let names = held.python_names();
            let values = [("names", names.as_str())];
            let (python, who) = if *stage == 0 {
                (
                    Pipeline::BrokenNever.fill(&values),
                    "fetch fills the pipe, then waits in send() for ever",
                )
            } else {
                (
                    Pipeline::EofNever.fill(&values),
                    "process waits in recv() for ever",
                )
            };
            note(
                python,
                format!(
                    "{who} (worker {id}): {} is still open in {}",
                    held.other,
                    held.words()
                ),
            )
        }
    }
}
