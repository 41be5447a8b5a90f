//! The pipeline lab's Python lines, its panel's and its log's, each with
//! the CPython witness that backs it (see `crate::app::claims`): fetch ->
//! process -> save, its sentinel, and a dead stage's neighbours with the
//! pipe's ends closed or left open. The pipe itself is `claims::Pipe`'s.

use crate::app::claims::{Lab, LabCheck, claims, py, w};

claims! {
    /// The pipeline lab's lines: fetch -> process -> save.
    Pipeline {
        Make => py(
            "q = JoinableQueue(maxsize={n})  # process -> save",
            "the queue between process and save",
            &[w("pipeline", "sentinel_drains_the_line", r#"{"in_order": true}"#)],
            Lab::Nothing,
        ),
        StartAll => py(
            "for s in stages: s.start()",
            "each stage is a process",
            &[w("pipeline", "sentinel_drains_the_line", r#"{"exitcodes": [0, 0, 0]}"#)],
            Lab::Same(LabCheck::PipelineSentinel),
        ),
        /// A stage that is not an end of the pipe closes both ends too.
        CloseInBystander => py(
            "r.close(); w.close()  # in save too: forked after Pipe(), it holds both",
            "under fork every child holds both ends of a Pipe made before it: a bystander that keeps them keeps the pipe open",
            &[
                w("pipeline", "bystander_keeps_the_pipe_open", r#"{"process": "hang", "held_by": ["save"]}"#),
                w("pipeline", "fetch_killed_ends_closed", r#"{"process": "EOFError", "save": 0, "held_by": []}"#),
            ],
            Lab::Nothing,
        ),
        Stop => py(
            "w.send(None)  # in fetch, then return",
            "the sentinel goes down the line behind the backlog: every stage returns 0, every item saved in order",
            &[w("pipeline", "sentinel_drains_the_line", r#"{"exitcodes": [0, 0, 0], "in_order": true}"#)],
            Lab::Same(LabCheck::PipelineSentinel),
        ),
        /// process is gone: the parent puts save's sentinel itself.
        SentinelForSave => py(
            "q.put(None)  # in the parent: process is gone",
            "with process dead, save waits on the queue for ever unless someone puts the sentinel: the parent can, and save returns 0",
            &[w("pipeline", "process_killed_parent_puts_the_sentinel", r#"{"save": 0}"#)],
            Lab::Nothing,
        ),
        FetchDone => py(
            "w.send(None); return",
            "fetch sends the sentinel and returns: exitcode 0",
            &[w("pipeline", "sentinel_drains_the_line", r#"{"exitcodes": [0, 0, 0]}"#)],
            Lab::Same(LabCheck::PipelineSentinel),
        ),
        ProcessDone => py(
            "q.put(None); return",
            "process passes the sentinel on and returns: exitcode 0",
            &[w("pipeline", "sentinel_drains_the_line", r#"{"exitcodes": [0, 0, 0]}"#)],
            Lab::Same(LabCheck::PipelineSentinel),
        ),
        SaveDone => py(
            "return  # item is None",
            "save gets the sentinel and returns: exitcode 0",
            &[w("pipeline", "sentinel_drains_the_line", r#"{"exitcodes": [0, 0, 0]}"#)],
            Lab::Same(LabCheck::PipelineSentinel),
        ),
        /// process meets EOF: fetch died with every end closed.
        Eof => py(
            "item = r.recv()  # EOFError in process: q.put(None)",
            "with every copy of w closed, process meets EOFError when fetch dies, and a sentinel it passes on lets save return",
            &[w("pipeline", "fetch_killed_ends_closed", r#"{"process": "EOFError", "save": 0, "held_by": []}"#)],
            Lab::Same(LabCheck::PipelineEof),
        ),
        EofNever => py(
            "item = r.recv()  # blocks forever in process: w is still open in {names}",
            "with the ends left open, process never learns that fetch died: the parent, process itself and save still hold w",
            &[w("pipeline", "fetch_killed_ends_open", r#"{"process": "hang", "held_by": ["parent", "process", "save"]}"#)],
            Lab::Same(LabCheck::PipelineEofOpen),
        ),
        Broken => py(
            "w.send(item)  # BrokenPipeError in fetch: nobody reads",
            "with every copy of r closed, fetch meets BrokenPipeError when process dies",
            &[w("pipeline", "process_killed_ends_closed", r#"{"fetch": "BrokenPipeError", "held_by": []}"#)],
            Lab::Same(LabCheck::PipelineBroken),
        ),
        BrokenNever => py(
            "w.send(item)  # blocks in fetch once the pipe is full: r is still open in {names}",
            "with the ends left open, fetch never learns that process died: it fills the pipe and then waits for ever, as the parent, fetch itself and save still hold r",
            &[w("pipeline", "process_killed_ends_open", r#"{"fetch": "hang", "held_by": ["parent", "fetch", "save"]}"#)],
            Lab::Same(LabCheck::PipelineBrokenOpen),
        ),
        StageWork => py(
            "time.sleep({s})  # in {stage}",
            "a stage that sleeps s per item handles at most 1/s items a second",
            &[w("queues", "paced_producer", r#"{"at_most_the_rate": true}"#)],
            Lab::Nothing,
        ),
        StageNoWork => py(
            "{stage}(item)  # no work",
            "a stage with no work passes items on as fast as it gets them",
            &[w("pipeline", "sentinel_drains_the_line", r#"{"in_order": true}"#)],
            Lab::Nothing,
        ),
    }
}
