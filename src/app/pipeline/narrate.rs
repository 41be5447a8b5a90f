//! The pipeline lab's log lines, each with the Python that does the same.

use crate::app::comms::error;
use crate::app::narrate::{Line, line, note};
use crate::lab::WorkerId;
use crate::lab::pipeline::PipelineEvent;

pub fn stage_ms(stage: usize, ms: u32) -> Line {
    let name = crate::lab::pipeline::STAGES[stage].label();
    let python = if ms == 0 {
        format!("{name}(item)  # no work")
    } else {
        format!("time.sleep({:.3})  # in {name}", f64::from(ms) / 1000.0)
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

pub fn pipeline_started(ids: [WorkerId; 3]) -> Vec<Line> {
    let [f, p, s] = ids;
    vec![
        line(
            "r, w = Pipe(duplex=False)".to_string(),
            "an OS pipe: fetch writes w, process reads r".into(),
        ),
        line(
            format!(
                "q = JoinableQueue(maxsize={})",
                crate::lab::pipeline::QUEUE_CAPACITY
            ),
            "a queue: process puts, save gets".into(),
        ),
        line(
            "for s in stages: s.start()".to_string(),
            format!("fetch is worker {f}, process {p}, save {s}"),
        ),
    ]
}

pub fn pipeline_stopping() -> Line {
    line(
        "w.send(None)  # in fetch, then return".to_string(),
        "stopping: the sentinel goes down the line behind the backlog".into(),
    )
}

/// A pipeline event as a log line.
pub fn pipeline_event(e: &PipelineEvent) -> Line {
    match *e {
        PipelineEvent::StageDone { stage: 0, id } => line(
            "w.send(None); return".to_string(),
            format!("fetch (worker {id}) sent the sentinel and returned"),
        ),
        PipelineEvent::StageDone { stage: 1, id } => line(
            "q.put(None); return".to_string(),
            format!("process (worker {id}) passed the sentinel on and returned"),
        ),
        PipelineEvent::StageDone { id, .. } => line(
            "return  # item is None".to_string(),
            format!("save (worker {id}) got the sentinel: the pipeline is drained"),
        ),
        PipelineEvent::Eof { id } => note(
            "except EOFError: q.put(None)".to_string(),
            format!("process (worker {id}): the pipe closed with no sentinel; passing one on"),
        ),
        PipelineEvent::Broken { id } => note(
            "except BrokenPipeError:".to_string(),
            format!("fetch (worker {id}): nobody reads the pipe any more"),
        ),
        PipelineEvent::Lost { id, count } => error(
            None,
            format!("save (worker {id}) died holding {count} item(s): lost"),
        ),
    }
}
