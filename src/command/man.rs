//! Man pages: `esogen(1)` and one page per subcommand (`esogen-generate(1)`
//! and so on, which the top page lists), made from the same clap command
//! as `--help`, plus the EXIT STATUS, ENVIRONMENT and SEE ALSO sections
//! clap does not know.

use std::io::Write;

use roff::{Roff, bold, italic, roman};

/// The subcommands that get a page (clap's own `help` does not).
fn documented(cmd: &clap::Command) -> impl Iterator<Item = &clap::Command> {
    cmd.get_subcommands()
        .filter(|s| s.get_name() != "help" && !s.is_hide_set())
}

/// Every page as (file name, roff): `esogen.1` first, then
/// `esogen-<subcommand>.1` in the order `--help` lists them.
pub fn pages(cmd: clap::Command) -> std::io::Result<Vec<(String, Vec<u8>)>> {
    let mut cmd = cmd;
    // Global options reach the subcommands only once the command is built.
    cmd.build();
    let mut pages = vec![("esogen.1".to_owned(), page(&cmd, None)?)];
    for sub in documented(&cmd) {
        let name = sub.get_name();
        pages.push((format!("esogen-{name}.1"), page(&cmd, Some(name))?));
    }
    Ok(pages)
}

/// The page of `subcommand` (`None`: the top page), or `None` when there is
/// no such subcommand.
pub fn render(cmd: clap::Command, subcommand: Option<&str>) -> std::io::Result<Option<Vec<u8>>> {
    let mut cmd = cmd;
    cmd.build();
    if let Some(name) = subcommand
        && documented(&cmd).all(|s| s.get_name() != name)
    {
        return Ok(None);
    }
    page(&cmd, subcommand).map(Some)
}

/// The names `render` accepts, for its error message and completion.
pub fn subcommand_names(cmd: &clap::Command) -> Vec<String> {
    documented(cmd).map(|s| s.get_name().to_owned()).collect()
}

fn page(top: &clap::Command, subcommand: Option<&str>) -> std::io::Result<Vec<u8>> {
    let (cmd, name) = match subcommand.and_then(|n| top.find_subcommand(n)) {
        Some(sub) => {
            let full = format!("esogen-{}", sub.get_name());
            let cmd = sub
                .clone()
                .display_name(full.clone())
                .bin_name(format!("esogen {}", sub.get_name()))
                .version(top.get_version().unwrap_or_default().to_owned());
            (cmd, Some(sub.get_name()))
        }
        None => (top.clone(), None),
    };
    let version = top.get_version().unwrap_or_default();
    let man = clap_mangen::Man::new(cmd.clone())
        .manual("esogen manual")
        .source(format!("esogen {version}"));
    let mut out = Vec::new();
    man.render_title(&mut out)?;
    man.render_name_section(&mut out)?;
    man.render_synopsis_section(&mut out)?;
    man.render_description_section(&mut out)?;
    if cmd.get_arguments().any(|a| !a.is_hide_set()) {
        man.render_options_section(&mut out)?;
    }
    if name.is_none() {
        man.render_subcommands_section(&mut out)?;
    }
    out.write_all(sections(top, name).to_roff().as_bytes())?;
    man.render_version_section(&mut out)?;
    Ok(out)
}

/// EXIT STATUS, ENVIRONMENT and SEE ALSO for the page of `subcommand`.
fn sections(top: &clap::Command, subcommand: Option<&str>) -> Roff {
    let mut roff = Roff::new();
    roff.control("SH", ["EXIT STATUS"]);
    for (code, meaning) in exit_status(subcommand) {
        roff.control("TP", [])
            .text([bold(code)])
            .text([roman(meaning)]);
    }
    let env = environment(subcommand);
    if !env.is_empty() {
        roff.control("SH", ["ENVIRONMENT"]);
        for (var, meaning) in env {
            roff.control("TP", [])
                .text([bold(var)])
                .text([roman(meaning)]);
        }
    }
    roff.control("SH", ["SEE ALSO"]);
    let mut refs: Vec<String> = match subcommand {
        Some(_) => vec!["esogen".to_owned()],
        None => Vec::new(),
    };
    refs.extend(
        documented(top)
            .map(|s| format!("esogen-{}", s.get_name()))
            .filter(|r| subcommand.is_none_or(|n| *r != format!("esogen-{n}"))),
    );
    let mut line = Vec::new();
    for (i, r) in refs.iter().enumerate() {
        if i > 0 {
            line.push(roman(", "));
        }
        line.push(bold(r.clone()));
        line.push(roman("(1)"));
    }
    line.push(roman("; the README: "));
    line.push(italic("https://github.com/esogen/esogen#readme"));
    roff.text(line);
    roff
}

/// Exit codes as the subcommand uses them (`command::Exit`).
fn exit_status(subcommand: Option<&str>) -> Vec<(&'static str, &'static str)> {
    let error =
        "A configuration error (nothing was written), a usage error, or an I/O or git error.";
    match subcommand {
        Some("generate") => vec![
            (
                "0",
                "The output was written, committed, or already up to date.",
            ),
            (
                "1",
                "With --check: the committed output differs from what tenants.toml generates.",
            ),
            ("2", error),
        ],
        Some("diff") => vec![
            ("0", "The output is up to date."),
            (
                "1",
                "The output would change; the diff is on standard output.",
            ),
            ("2", error),
        ],
        Some("check") => vec![
            (
                "0",
                "No findings (warnings allowed unless --deny warnings).",
            ),
            ("1", "Findings: errors, or warnings with --deny warnings."),
            ("2", "A tenants file could not be read, or a usage error."),
        ],
        Some("explain") => vec![
            ("0", "The explanation was printed."),
            (
                "2",
                "The configuration has errors, the namespace is not one of any team, or a tenants file could not be read.",
            ),
        ],
        Some("init") => vec![
            ("0", "tenants.toml was written."),
            (
                "2",
                "Nothing was written: an answer is missing or invalid, the file exists (without --force), or an I/O error.",
            ),
        ],
        Some(_) => vec![("0", "Success."), ("2", "A usage or I/O error.")],
        None => vec![
            ("0", "Success, or up to date."),
            ("1", "Findings (check) or drift (generate --check, diff)."),
            ("2", "A configuration, usage, I/O or git error."),
        ],
    }
}

/// The variables the subcommand reads.
fn environment(subcommand: Option<&str>) -> Vec<(&'static str, &'static str)> {
    let color = ("NO_COLOR", "When set, --color auto does not colour output.");
    let git = [
        (
            "ESOGEN_GIT_TOKEN, GIT_TOKEN",
            "A token for --push over HTTPS (ESOGEN_GIT_TOKEN first); never written to disk or printed.",
        ),
        (
            "GIT_AUTHOR_NAME, GIT_AUTHOR_EMAIL",
            "The commit author when --author is not given; then git config user.name and user.email.",
        ),
        (
            "GIT_COMMITTER_NAME, GIT_COMMITTER_EMAIL",
            "The committer when --committer is not given; then git config, then the author.",
        ),
    ];
    let timings = (
        "ESOGEN_TIMINGS",
        "When set, print when each phase of the run ended and the peak memory by then, on standard error.",
    );
    let complete = (
        "ESOGEN_COMPLETE",
        "Set by the completion scripts (esogen completions) to ask for candidates; unset it in normal use.",
    );
    match subcommand {
        Some("generate") => [color, timings].into_iter().chain(git).collect(),
        Some("diff") => vec![color, timings],
        Some("check" | "explain") => vec![color],
        Some("completions") => vec![complete],
        Some(_) => Vec::new(),
        None => [color, timings, complete].into_iter().chain(git).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(roff: &[u8]) -> String {
        String::from_utf8(roff.to_vec()).unwrap()
    }

    #[test]
    fn every_subcommand_has_a_page_with_the_sections() {
        let pages = pages(crate::command::shell::command()).unwrap();
        let names: Vec<&str> = pages.iter().map(|(n, _)| n.as_str()).collect();
        for sub in [
            "esogen.1",
            "esogen-generate.1",
            "esogen-check.1",
            "esogen-init.1",
        ] {
            assert!(names.contains(&sub), "{names:?}");
        }
        assert!(!names.contains(&"esogen-help.1"));
        for (name, roff) in &pages {
            let page = text(roff);
            for section in [
                ".SH NAME",
                ".SH SYNOPSIS",
                ".SH \"EXIT STATUS\"",
                ".SH \"SEE ALSO\"",
            ] {
                assert!(page.contains(section), "{name} lacks {section}:\n{page}");
            }
        }
    }

    #[test]
    fn the_top_page_refers_only_to_pages_that_exist() {
        let pages = pages(crate::command::shell::command()).unwrap();
        let top = text(&pages[0].1);
        for (name, _) in &pages[1..] {
            let stem = name.trim_end_matches(".1");
            assert!(top.contains(&stem.replace('-', "\\-")), "{stem}");
        }
    }

    #[test]
    fn an_unknown_subcommand_has_no_page() {
        assert!(
            render(crate::command::shell::command(), Some("nope"))
                .unwrap()
                .is_none()
        );
    }
}
