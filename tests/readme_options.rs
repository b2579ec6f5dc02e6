//! The README's option tables list exactly the options `--help` prints.

use std::collections::BTreeSet;

/// Every `--long-name` in `text` (letters, digits and '-').
fn long_options(text: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for (i, _) in text.match_indices("--") {
        let name: String = text[i + 2..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
            .collect();
        let before = text[..i].chars().last();
        if name.len() > 1 && before.is_none_or(|c| !c.is_ascii_alphanumeric() && c != '-') {
            out.insert(name);
        }
    }
    out
}

#[test]
fn readme_option_tables_match_help() {
    let help = std::process::Command::new(env!("CARGO_BIN_EXE_psendurance"))
        .arg("--help")
        .output()
        .unwrap();
    let help = String::from_utf8(help.stdout).unwrap();
    // Only the option column of each help line: "    -x, --name VALUE  text".
    let help_column: String = help
        .lines()
        .filter(|l| l.trim_start().starts_with('-'))
        .filter_map(|l| l.trim_start().split("  ").next())
        .collect::<Vec<_>>()
        .join("\n");
    let documented = long_options(&help_column);
    assert!(documented.len() > 30, "help lists too few options: {help}");

    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    // The first column of every table row that names an option.
    let table: String = readme
        .lines()
        .filter(|l| l.starts_with("| `-"))
        .filter_map(|l| l.split('|').nth(1))
        .collect::<Vec<_>>()
        .join("\n");
    let in_readme = long_options(&table);
    let missing: Vec<_> = documented.difference(&in_readme).collect();
    let extra: Vec<_> = in_readme.difference(&documented).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "README option table out of step with --help: missing {missing:?}, not in --help {extra:?}"
    );
}
