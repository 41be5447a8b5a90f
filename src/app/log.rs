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
    /// Entries ever pushed, forgotten ones included.
    pushed: u64,
}

impl EventLog {
    pub fn push(&mut self, entry: LogEntry) {
        if self.entries.len() == LOG_CAPACITY {
            self.entries.pop_front();
        }
        self.entries.push_back(entry);
        self.pushed += 1;
    }

    /// How many entries were ever pushed: a reader that has taken `n` of
    /// them finds the rest with [`EventLog::since`].
    pub fn pushed(&self) -> u64 {
        self.pushed
    }

    /// The entries pushed after the first `n` ever pushed, that are still
    /// kept, oldest first.
    pub fn since(&self, n: u64) -> impl Iterator<Item = &LogEntry> {
        let newer = self.pushed.saturating_sub(n).min(self.entries.len() as u64) as usize;
        self.entries.iter().skip(self.entries.len() - newer)
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
        let pushed = log.pushed();
        assert_eq!(pushed, LOG_CAPACITY as u64 + 3);
        let last: Vec<&str> = log.since(pushed - 2).map(|e| e.text.as_str()).collect();
        assert_eq!(
            last,
            [
                (LOG_CAPACITY + 1).to_string(),
                (LOG_CAPACITY + 2).to_string()
            ]
        );
        assert_eq!(log.since(0).count(), LOG_CAPACITY, "the forgotten are gone");
        assert_eq!(log.since(pushed).count(), 0);
    }
}
