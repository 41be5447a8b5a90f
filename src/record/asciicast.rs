//! Writing asciicast v2: a JSON header line, then one JSON array per event.
//!
//! Format (docs.asciinema.org, "asciicast v2"): the header holds `version`
//! 2, `width`, `height` and optional `timestamp`, `idle_time_limit`,
//! `title`, `env` and `theme` (the text and background colours and the 16
//! named colours the recording was made for, so a player shows it in
//! them rather than in its own); each event
//! is `[time, code, data]` with `time` in seconds since the start, never
//! decreasing, and `code` one of `"o"` (output), `"i"` (input), `"m"`
//! (marker) and `"r"` (resize, data `"COLSxROWS"`). Every event is written
//! whole in one call and flushed, so a recording cut short by a crash or
//! `kill -9` is valid up to its last event; the writer counts the bytes of
//! whole events, so that a write that fails half-way (a full disk) can be
//! cut back to them.

use std::io::{self, Write};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
pub struct Header {
    pub version: u8,
    pub width: u16,
    pub height: u16,
    pub timestamp: u64,
    /// Longer pauses are played as this many seconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub idle_time_limit: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    pub env: Env,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub theme: Option<CastTheme>,
}

/// The colours a player should use, each `#rrggbb`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CastTheme {
    pub fg: String,
    pub bg: String,
    /// The 8 or 16 named colours, joined by colons.
    pub palette: String,
}

/// A pause longer than this (a teacher talking) plays as this long.
pub const IDLE_TIME_LIMIT: f64 = 2.0;

#[derive(Debug, Clone, Serialize)]
pub struct Env {
    #[serde(rename = "TERM")]
    pub term: String,
    #[serde(rename = "SHELL")]
    pub shell: String,
}

impl Header {
    /// A header for a recording starting now, with TERM and SHELL from the
    /// environment (defaults when they are unset, as in CI).
    pub fn new(width: u16, height: u16, title: Option<String>) -> Header {
        Header {
            version: 2,
            width,
            height,
            timestamp: SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_secs()),
            idle_time_limit: Some(IDLE_TIME_LIMIT),
            title,
            env: Env {
                term: std::env::var("TERM").unwrap_or_else(|_| "xterm-256color".into()),
                shell: std::env::var("SHELL").unwrap_or_else(|_| "/bin/sh".into()),
            },
            theme: None,
        }
    }

    /// The header with the colours to play it in.
    pub fn with_theme(self, fg: &str, bg: &str, palette: &[String]) -> Header {
        Header {
            theme: Some(CastTheme {
                fg: fg.into(),
                bg: bg.into(),
                palette: palette.join(":"),
            }),
            ..self
        }
    }
}

/// An event code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Code {
    Output,
    Input,
    Marker,
    Resize,
}

impl Code {
    pub fn as_str(self) -> &'static str {
        match self {
            Code::Output => "o",
            Code::Input => "i",
            Code::Marker => "m",
            Code::Resize => "r",
        }
    }
}

/// Writes a recording to `out`.
pub struct CastWriter<W: Write> {
    out: W,
    start: Instant,
    last: f64,
    /// Bytes of the header and of the events written whole.
    whole: u64,
}

impl<W: Write> CastWriter<W> {
    /// Writes the header and starts the clock.
    pub fn new(mut out: W, header: &Header) -> io::Result<CastWriter<W>> {
        let mut line = serde_json::to_vec(header)?;
        line.push(b'\n');
        out.write_all(&line)?;
        out.flush()?;
        Ok(CastWriter {
            out,
            start: Instant::now(),
            last: 0.0,
            whole: line.len() as u64,
        })
    }

    /// Seconds since the start, never less than the previous event's.
    fn time(&mut self) -> f64 {
        let t = self.start.elapsed().as_secs_f64().max(self.last);
        self.last = t;
        t
    }

    /// Writes one event, line and newline in one call, and flushes it. On
    /// an error, part of the line may have reached `out`: [`whole_len`]
    /// (Self::whole_len) says where the last whole event ends.
    pub fn event(&mut self, code: Code, data: &str) -> io::Result<()> {
        let t = self.time();
        let mut line = serde_json::to_vec(&(RoundedTime(t), code.as_str(), data))?;
        line.push(b'\n');
        self.out.write_all(&line)?;
        self.out.flush()?;
        self.whole += line.len() as u64;
        Ok(())
    }

    /// Bytes of the header and of every event written whole.
    pub fn whole_len(&self) -> u64 {
        self.whole
    }

    pub fn get_mut(&mut self) -> &mut W {
        &mut self.out
    }

    pub fn into_inner(self) -> W {
        self.out
    }
}

/// A time written with microsecond precision, as asciinema does.
struct RoundedTime(f64);

impl Serialize for RoundedTime {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_f64((self.0 * 1e6).round() / 1e6)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_recording_is_a_header_then_events() {
        let palette: Vec<String> = (0..16).map(|i| format!("#0000{i:02x}")).collect();
        let header =
            Header::new(80, 24, Some("demo".into())).with_theme("#ffffff", "#000000", &palette);
        let mut w = CastWriter::new(Vec::new(), &header).unwrap();
        w.event(Code::Output, "hello \u{1b}[1mworld\"\n").unwrap();
        w.event(Code::Resize, "100x30").unwrap();
        w.event(Code::Marker, "step 1").unwrap();
        let whole = w.whole_len();
        let text = String::from_utf8(w.into_inner()).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 4);
        let h: serde_json::Value = serde_json::from_str(lines[0]).unwrap();
        assert_eq!(h["version"], 2);
        assert_eq!(h["width"], 80);
        assert_eq!(h["height"], 24);
        assert_eq!(h["title"], "demo");
        assert!(h["env"]["TERM"].is_string());
        assert_eq!(h["idle_time_limit"], IDLE_TIME_LIMIT);
        assert_eq!(h["theme"]["fg"], "#ffffff");
        assert_eq!(h["theme"]["bg"], "#000000");
        let named = h["theme"]["palette"].as_str().unwrap().split(':').count();
        assert_eq!(named, 16);
        let mut last = 0.0;
        for (line, code) in lines[1..].iter().zip(["o", "r", "m"]) {
            let e: serde_json::Value = serde_json::from_str(line).unwrap();
            let t = e[0].as_f64().unwrap();
            assert!(t >= last);
            last = t;
            assert_eq!(e[1], code);
        }
        let first: serde_json::Value = serde_json::from_str(lines[1]).unwrap();
        assert_eq!(first[2], "hello \u{1b}[1mworld\"\n");
        assert_eq!(whole, text.len() as u64);
    }
}
