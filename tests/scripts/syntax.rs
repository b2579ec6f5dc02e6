//! Every shell file under scripts/ parses (and passes shellcheck when
//! it is installed).

use super::*;

/// Files under scripts/ that are shell: a `sh` shebang, or the defaults file.
fn shell_files() -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, out);
            } else {
                let head = std::fs::read(&path).unwrap_or_default();
                let first = head.split(|&c| c == b'\n').next().unwrap_or_default();
                let shebang_sh = first.starts_with(b"#!") && first.ends_with(b"/sh");
                if shebang_sh || path.parent().is_some_and(|p| p.ends_with("default")) {
                    out.push(path);
                }
            }
        }
    }
    let mut files = Vec::new();
    walk(&repo().join("scripts"), &mut files);
    files.sort();
    files
}

#[test]
fn every_shell_script_parses() {
    let files = shell_files();
    for want in ["init.d/psendurance", "default/psendurance", "install.sh"] {
        assert!(files.contains(&script(want)), "{want} not found: {files:?}");
    }
    let shellcheck = bench::procs::find_program("shellcheck");
    for f in &files {
        let out = Command::new("sh").arg("-n").arg(f).output().unwrap();
        assert!(
            out.status.success(),
            "sh -n {}: {}",
            f.display(),
            text(&out)
        );
        if let Some(sc) = &shellcheck {
            // The defaults file only assigns variables for its readers.
            let unused_ok = f.parent().is_some_and(|p| p.ends_with("default"));
            let out = Command::new(sc)
                .args(["--shell=sh", "--external-sources"])
                .args(unused_ok.then_some("--exclude=SC2034"))
                .arg(f)
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "shellcheck {}: {}",
                f.display(),
                text(&out)
            );
        }
    }
    if shellcheck.is_none() {
        eprintln!("shellcheck not installed: only `sh -n` was checked");
    }
    eprintln!("shell files checked: {}", files.len());
}
