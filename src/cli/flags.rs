//! Flags that belong to a lab. Each lab lists the flags it takes with the
//! lab itself ([`AppLab::FLAGS`](crate::app::AppLab::FLAGS)); here the
//! command line is read against those lists: a lab's flag given without
//! `--lab` opens that lab (`--mode threads` opens the GIL lab), and one
//! given with `--lab` naming a lab that does not take it is refused, in one
//! line naming the labs that do.

use clap::parser::ValueSource;
use clap::{ArgMatches, CommandFactory};

use super::Cli;
use crate::app::LabId;
use crate::app::labs::flags;

/// The labs that take the flag `long` (none for a flag of every lab, such
/// as `--theme`).
fn takers(long: &str) -> Vec<LabId> {
    flags()
        .into_iter()
        .filter(|(_, fl)| fl.contains(&long))
        .map(|(lab, _)| lab)
        .collect()
}

/// The labs' flags given on the command line itself (not by a config
/// file, not left at their defaults), in the order `--help` lists them.
fn given(matches: &ArgMatches) -> Vec<&'static str> {
    let all: Vec<&'static str> = flags()
        .into_iter()
        .flat_map(|(_, f)| f.iter().copied())
        .collect();
    Cli::command()
        .get_arguments()
        .filter_map(|a| {
            let long = a.get_long()?;
            let long = *all.iter().find(|&&f| f == long)?;
            (matches.value_source(a.get_id().as_str()) == Some(ValueSource::CommandLine))
                .then_some(long)
        })
        .collect()
}

/// "the Lifecycle, GIL race and Pool labs".
fn names(labs: &[LabId]) -> String {
    let titles: Vec<&str> = labs.iter().map(|l| l.title()).collect();
    let list = match titles.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
        _ => titles.join(""),
    };
    format!("the {list} lab{}", if labs.len() == 1 { "" } else { "s" })
}

/// "--lab gil" or "--lab lifecycle, gil or pool".
fn lab_flags(labs: &[LabId]) -> String {
    let names: Vec<&str> = labs.iter().map(|l| l.name()).collect();
    match names.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("--lab {} or {last}", rest.join(", ")),
        _ => format!("--lab {}", names.join("")),
    }
}

/// The lab to open: `lab` (from `--lab`, or its default), or the one the
/// labs' flags given point to; an error when they do not fit together.
pub fn settle(matches: &ArgMatches, lab: LabId) -> Result<LabId, String> {
    let given = given(matches);
    let chosen = matches.value_source("lab") == Some(ValueSource::CommandLine);
    if chosen {
        for flag in &given {
            let labs = takers(flag);
            if !labs.contains(&lab) {
                return Err(format!(
                    "--{flag} goes with {} ({}): --lab {} does not take it",
                    names(&labs),
                    lab_flags(&labs),
                    lab.name()
                ));
            }
        }
        return Ok(lab);
    }
    // Without --lab: the lab that takes every flag given, the default
    // first, else the first in tab order.
    let fits = |l: &LabId| given.iter().all(|f| takers(f).contains(l));
    if fits(&lab) {
        return Ok(lab);
    }
    if let Some(&found) = LabId::ALL.iter().find(|l| fits(l)) {
        return Ok(found);
    }
    let parts: Vec<String> = given
        .iter()
        .map(|f| format!("--{f} ({})", names(&takers(f)).trim_start_matches("the ")))
        .collect();
    Err(format!(
        "{} belong to different labs: give one lab's flags, with --lab to say which",
        parts.join(", ")
    ))
}
