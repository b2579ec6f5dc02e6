//! Imports in src/ run one way: the README's Design section lists the
//! top-level modules in layers, and a module's (non-test) code may use only
//! modules listed above it. Test code may reach anywhere.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

/// The top-level modules in the order the README's Design block lists them.
fn readme_order() -> Vec<String> {
    let readme = fs::read_to_string("README.md").unwrap();
    let design = &readme[readme
        .find("## Design")
        .expect("README has a Design section")..];
    let block = design.split("```").nth(1).expect("Design has a code block");
    let mut order = Vec::new();
    for line in block.lines() {
        let Some(rest) = line.strip_prefix("src/") else {
            continue;
        };
        let name = rest.split(['/', ' ']).next().unwrap();
        let name = name.trim_end_matches(".rs").to_string();
        if !order.contains(&name) {
            order.push(name);
        }
    }
    order
}

/// Every .rs file under `dir`.
fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Files and folders that hold test modules (`#[cfg(test)] mod name;`).
fn test_modules(files: &[PathBuf]) -> Vec<PathBuf> {
    let mut found = Vec::new();
    for file in files {
        let text = fs::read_to_string(file).unwrap();
        let dir = if file
            .file_name()
            .is_some_and(|n| n == "mod.rs" || n == "main.rs")
        {
            file.parent().unwrap().to_path_buf()
        } else {
            file.with_extension("")
        };
        let mut after_cfg = false;
        for line in text.lines().map(str::trim) {
            if line == "#[cfg(test)]" {
                after_cfg = true;
                continue;
            }
            if after_cfg
                && let Some(name) = line.strip_prefix("mod ").and_then(|l| l.strip_suffix(';'))
            {
                found.push(dir.join(format!("{name}.rs")));
                found.push(dir.join(name));
            }
            after_cfg = after_cfg && line.starts_with("#[");
        }
    }
    found
}

/// The `crate::name` modules a file's non-test code uses.
fn uses(text: &str) -> BTreeSet<String> {
    let code = text.split("#[cfg(test)]\nmod tests {").next().unwrap();
    let mut used = BTreeSet::new();
    for (at, _) in code.match_indices("crate::") {
        let name: String = code[at + 7..]
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        used.insert(name);
    }
    used
}

#[test]
fn imports_in_src_run_one_way_down_the_readme_layers() {
    let order = readme_order();
    let rank = |name: &str| order.iter().position(|m| m == name);
    let mut files = Vec::new();
    rust_files(Path::new("src"), &mut files);
    let tests = test_modules(&files);
    let mut upward = Vec::new();
    let mut unlisted = BTreeSet::new();
    let mut checked = 0;
    for file in &files {
        if tests.iter().any(|t| file.starts_with(t)) {
            continue;
        }
        let relative = file.strip_prefix("src").unwrap();
        let top = relative.iter().next().unwrap().to_string_lossy();
        let top = top.trim_end_matches(".rs");
        if top == "main" {
            continue; // the root declares and joins everything
        }
        let Some(own) = rank(top) else {
            unlisted.insert(top.to_string());
            continue;
        };
        checked += 1;
        for used in uses(&fs::read_to_string(file).unwrap()) {
            match rank(&used) {
                None => {
                    unlisted.insert(used);
                }
                Some(r) if r > own => upward.push(format!("{} uses crate::{used}", file.display())),
                Some(_) => {}
            }
        }
    }
    assert!(checked > 50, "only {checked} files checked: is src/ there?");
    assert!(
        unlisted.is_empty(),
        "modules missing from the README's Design block: {unlisted:?}"
    );
    assert!(
        upward.is_empty(),
        "imports that reach up the README's layers (move the type down, or \
         the module's line in Design if the layering changed):\n{}",
        upward.join("\n")
    );
}

#[test]
fn the_one_way_check_sees_an_upward_import() {
    // The parser the check relies on: it finds uses, and skips test blocks.
    let text = "use crate::keeper::Keeper;\nfn f() { crate::log::emit(); }\n\
                #[cfg(test)]\nmod tests {\n    use crate::edges::Edges;\n}\n";
    let found: Vec<String> = uses(text).into_iter().collect();
    assert_eq!(found, ["keeper", "log"]);
    let order = readme_order();
    let pos = |m: &str| order.iter().position(|x| x == m).unwrap();
    assert!(pos("value") < pos("keeper") && pos("keeper") < pos("edges"));
    assert!(pos("edges") < pos("runloop"));
}

#[test]
fn no_file_in_src_is_over_400_lines() {
    let mut files = Vec::new();
    rust_files(Path::new("src"), &mut files);
    let long: Vec<String> = files
        .iter()
        .map(|f| (f, fs::read_to_string(f).unwrap().lines().count()))
        .filter(|(_, n)| *n > 400)
        .map(|(f, n)| format!("{}: {n} lines", f.display()))
        .collect();
    assert!(
        long.is_empty(),
        "split these by concern (one concern per file):\n{}",
        long.join("\n")
    );
}
