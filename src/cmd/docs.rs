//! `proclab completions SHELL` and `proclab man`: the shell's completion
//! script and the manual page, both generated from the command line's own
//! definition, so they never disagree with what proclab accepts.

use std::io::{self, Write};

use clap::CommandFactory;

use crate::cli::Cli;

/// Writes `shell`'s completion script for proclab.
pub fn completions(shell: clap_complete::Shell, out: &mut impl Write) {
    clap_complete::generate(shell, &mut Cli::command(), "proclab", out);
}

/// Writes the manual page, `proclab(1)` in roff, with a section for each
/// subcommand.
pub fn man(out: &mut impl Write) -> io::Result<()> {
    let command = Cli::command();
    let man = clap_mangen::Man::new(command.clone());
    man.render_title(out)?;
    man.render_name_section(out)?;
    man.render_synopsis_section(out)?;
    man.render_description_section(out)?;
    man.render_options_section(out)?;
    man.render_subcommands_section(out)?;
    for sub in command.get_subcommands().filter(|s| !s.is_hide_set()) {
        let name = sub.get_name();
        writeln!(out, ".SH \"PROCLAB {}\"", name.to_uppercase())?;
        let sub_man = clap_mangen::Man::new(sub.clone().bin_name(format!("proclab {name}")));
        render_body(&sub_man, out)?;
    }
    out.write_all(ENDING.as_bytes())?;
    man.render_version_section(out)?;
    Ok(())
}

/// What the flags' help cannot say: the environment proclab reads, its
/// files, and its exit status.
const ENDING: &str = r#".SH ENVIRONMENT
.TP
\fBNO_COLOR\fR
Set and not empty: no colour at all; bold, reverse and underline tell what colour told.
.TP
\fBCOLORTERM\fR
\fItruecolor\fR or \fI24bit\fR: RGB colours; otherwise the 256\-colour palette.
.TP
\fBTERM\fR
\fIlinux\fR: 16 colours and ASCII only; \fIdumb\fR: no colour and ASCII only.
.TP
\fBXDG_CONFIG_HOME\fR, \fBXDG_CONFIG_DIRS\fR
Where the config files are (a relative path is ignored).
.SH FILES
.TP
\fI/etc/xdg/proclab/config.toml\fR
The system's settings, read first.
.TP
\fI~/.config/proclab/config.toml\fR
The user's settings, read next (\fB\-\-config\fR names another); flags on the command line win over both.
.SH "EXIT STATUS"
0 after quitting; 1 when something failed (a scenario step, a file that cannot be read); 2 for a bad flag or config file; 128 + N after signal N stopped proclab (130 for SIGINT, 143 for SIGTERM).
"#;

/// A subcommand's synopsis, description and options, with their own
/// headings turned into sub-headings of its section.
fn render_body(man: &clap_mangen::Man, out: &mut impl Write) -> io::Result<()> {
    let mut text = Vec::new();
    man.render_synopsis_section(&mut text)?;
    man.render_description_section(&mut text)?;
    man.render_options_section(&mut text)?;
    let text = String::from_utf8_lossy(&text).replace(".SH ", ".SS ");
    out.write_all(text.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn man_text() -> String {
        let mut out = Vec::new();
        man(&mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn the_manual_has_every_flag_and_subcommand() {
        let text = man_text();
        assert!(
            text.starts_with(".ie \\n(.g .ds Aq") || text.contains(".TH proclab 1"),
            "{text}"
        );
        assert!(text.contains(".TH proclab 1"));
        for flag in [
            "\\-\\-theme",
            "\\-\\-ascii",
            "\\-\\-no\\-mouse",
            "\\-\\-capacity",
        ] {
            assert!(text.contains(flag), "{flag}");
        }
        for sub in [
            "PROCLAB RACE",
            "PROCLAB PLAY",
            "PROCLAB LESSON",
            "PROCLAB CONFIG",
        ] {
            assert!(text.contains(sub), "{sub}");
        }
        assert!(text.contains("\\-\\-compare\\-python"), "race's own flags");
        for section in ["ENVIRONMENT", "FILES", "\"EXIT STATUS\""] {
            assert!(text.contains(&format!(".SH {section}")), "{section}");
        }
    }

    #[test]
    fn completions_offer_the_subcommands_and_each_its_own_flags() {
        let mut out = Vec::new();
        completions(clap_complete::Shell::Fish, &mut out);
        let text = String::from_utf8(out).unwrap();
        for line in text.lines().filter(|l| l.contains("-l theme")) {
            assert!(
                !line.contains("__fish_seen_subcommand_from race")
                    && !line.contains("__fish_seen_subcommand_from config"),
                "--theme is offered where it does nothing: {line}"
            );
        }
        assert!(text.contains("-l compare-python"));
        assert!(text.contains("\"play\"") || text.contains("-a \"play\""));
    }
}
