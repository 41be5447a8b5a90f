//! The event log: what happened, and the Python line it corresponds to.

use std::collections::VecDeque;
use std::time::Duration;

/// How much history the log keeps.
pub const LOG_CAPACITY: usize = 500;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Info,
    /// Something the user should notice (a pending join, a paused worker
    /// that also needed SIGCONT).
    Note,
    Error,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogEntry {
    /// Time since proclab started.
    pub at: Duration,
    /// The Python that does the same, if any.
    pub python: Option<String>,
    /// What happened, in words.
    pub text: String,
    pub level: Level,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EventLog {
    entries: VecDeque<LogEntry>,
}

impl EventLog {
    pub fn push(&mut self, entry: LogEntry) {
        if self.entries.len() == LOG_CAPACITY {
            self.entries.pop_front();
        }
        self.entries.push_back(entry);
    }

    /// Entries, oldest first.
    pub fn entries(&self) -> impl DoubleEndedIterator<Item = &LogEntry> + ExactSizeIterator {
        self.entries.iter()
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn last(&self) -> Option<&LogEntry> {
        self.entries.back()
    }
}

/// `mm:ss.s` for log times.
pub fn format_at(at: Duration) -> String {
    let tenths = at.as_millis() / 100;
    format!(
        "{:02}:{:02}.{}",
        tenths / 600,
        (tenths / 10) % 60,
        tenths % 10
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_read_as_minutes_and_seconds() {
        assert_eq!(format_at(Duration::from_millis(0)), "00:00.0");
        assert_eq!(format_at(Duration::from_millis(61_250)), "01:01.2");
    }

    #[test]
    fn the_log_forgets_the_oldest_past_its_capacity() {
        let mut log = EventLog::default();
        for i in 0..LOG_CAPACITY + 3 {
            log.push(LogEntry {
                at: Duration::from_secs(i as u64),
                python: None,
                text: i.to_string(),
                level: Level::Info,
            });
        }
        assert_eq!(log.len(), LOG_CAPACITY);
        assert_eq!(log.entries().next().unwrap().text, "3");
    }
}
