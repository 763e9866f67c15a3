//! Tests of the `portavoz` binary: bad inputs, resume, streaming, formats, exit codes and
//! error messages. Tests that annotate need the shipped model (models/portavoz-ner-es);
//! the ones about usage errors, the missing model and `view` need none.
use std::fs;
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command as StdCommand, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use assert_cmd::Command;
use predicates::prelude::*;
use serde_json::Value;

const SENTENCE: &str = "El ministro de Asuntos Exteriores ruso, Serguéi Lavrov, dijo que Rusia rechaza las sanciones de Estados Unidos.";

fn portavoz() -> Command {
    let mut cmd = Command::cargo_bin("portavoz").unwrap();
    cmd.env_remove("PORTAVOZ_MODEL");
    cmd
}

fn records(bytes: &[u8]) -> Vec<Value> {
    String::from_utf8(bytes.to_vec())
        .expect("output is UTF-8")
        .lines()
        .map(|l| {
            serde_json::from_str(l).unwrap_or_else(|e| panic!("output line is not JSON ({e}): {l}"))
        })
        .collect()
}

fn ids(recs: &[Value]) -> Vec<String> {
    recs.iter()
        .map(|r| {
            r["id"]
                .as_str()
                .expect("every record has an id")
                .to_string()
        })
        .collect()
}

fn jsonl(id: &str, text: &str) -> String {
    format!("{}\n", serde_json::json!({ "id": id, "text": text }))
}

fn is_annotation(r: &Value) -> bool {
    r.get("error").is_none()
        && r["text"].is_string()
        && r["entities"].is_array()
        && r["claims"].is_array()
}

// ---------------------------------------------------------------------------------------
// Need no model

#[test]
fn missing_model_folder_is_named_with_the_fix() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("doc.txt");
    fs::write(&input, SENTENCE).unwrap();
    let missing = dir.path().join("no-such-model");
    let out = dir.path().join("out.jsonl");
    fs::write(&out, "{\"id\":\"keep\"}\n").unwrap();
    portavoz()
        .args(["annotate", "--quiet", "--model"])
        .arg(&missing)
        .arg(&input)
        .arg("-o")
        .arg(&out)
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicate::str::contains(missing.display().to_string()))
        .stderr(predicate::str::contains("cannot load the NER model"))
        .stderr(predicate::str::contains(
            "fix: check the folder given to --model",
        ))
        .stderr(predicate::str::contains("pass --model DIR").not());
    assert_eq!(
        fs::read_to_string(&out).unwrap(),
        "{\"id\":\"keep\"}\n",
        "a usage error leaves the output alone"
    );

    // A folder that exists but holds no model.
    let empty = tempfile::tempdir().unwrap();
    portavoz()
        .args(["annotate", "--model"])
        .arg(empty.path())
        .arg(&input)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(empty.path().display().to_string()))
        .stderr(predicate::str::contains(
            "fix: check the folder given to --model",
        ));

    // The same through the environment variable.
    portavoz()
        .env("PORTAVOZ_MODEL", &missing)
        .arg("annotate")
        .arg(&input)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(missing.display().to_string()))
        .stderr(predicate::str::contains(
            "fix: check the folder PORTAVOZ_MODEL names",
        ));
}

/// A model folder with the shipped weights and tokenizer (linked) and the given config.json.
fn model_with_config(config: &Value) -> tempfile::TempDir {
    let shipped = Path::new(env!("CARGO_MANIFEST_DIR")).join("models/portavoz-ner-es");
    let dir = tempfile::tempdir().unwrap();
    for name in ["model.safetensors", "tokenizer.json"] {
        std::os::unix::fs::symlink(shipped.join(name), dir.path().join(name)).unwrap();
    }
    fs::write(dir.path().join("config.json"), config.to_string()).unwrap();
    dir
}

#[test]
fn a_config_that_does_not_fit_is_a_usage_error_naming_the_field_not_a_panic() {
    let shipped = Path::new(env!("CARGO_MANIFEST_DIR")).join("models/portavoz-ner-es/config.json");
    let good: Value = serde_json::from_str(&fs::read_to_string(shipped).unwrap()).unwrap();
    let cases = [
        (
            "num_attention_heads",
            serde_json::json!(0),
            "num_attention_heads: 0 is out of range",
        ),
        (
            "num_attention_heads",
            serde_json::json!(7),
            "num_attention_heads: 7 heads do not divide hidden_size 384",
        ),
        (
            "hidden_size",
            serde_json::json!(768),
            "hidden_size: 768 disagrees with the weights",
        ),
        (
            "num_hidden_layers",
            serde_json::json!(6),
            "num_hidden_layers: 6 disagrees with the weights",
        ),
    ];
    for (field, value, message) in cases {
        let mut config = good.clone();
        config[field] = value;
        let model = model_with_config(&config);
        portavoz()
            .args(["annotate", "--quiet", "--model"])
            .arg(model.path())
            .write_stdin(jsonl("a", SENTENCE))
            .assert()
            .code(2)
            .stdout("")
            .stderr(predicate::str::contains("config.json does not fit"))
            .stderr(predicate::str::contains(message))
            .stderr(predicate::str::contains("model.safetensors is corrupt").not())
            .stderr(predicate::str::contains("panicked").not());
    }
}

#[test]
fn usage_errors_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.jsonl");
    fs::write(&input, jsonl("a", SENTENCE)).unwrap();
    let nothing = dir.path().join("nothing.jsonl");

    portavoz().assert().code(2);
    portavoz()
        .args(["annotate", "--no-such-flag"])
        .assert()
        .code(2);
    portavoz()
        .args(["annotate", "--format", "xml"])
        .assert()
        .code(2);
    portavoz()
        .args(["annotate", "--batch-size", "0"])
        .assert()
        .code(2);
    portavoz()
        .arg("annotate")
        .arg(&nothing)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(format!(
            "input {} does not exist",
            nothing.display()
        )));
    portavoz()
        .args(["annotate", "--resume"])
        .arg(&input)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--resume needs --output FILE"));
    portavoz()
        .args(["annotate", "--resume", "--format", "html", "-o"])
        .arg(dir.path().join("r.html"))
        .arg(&input)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "--resume works with --format jsonl only",
        ));
    portavoz()
        .arg("annotate")
        .arg(&input)
        .arg("-o")
        .arg(&input)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("is also an input"));
    let empty = tempfile::tempdir().unwrap();
    portavoz()
        .arg("annotate")
        .arg(empty.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("holds no .txt files"));
    portavoz().args(["annotate", "-", "-"]).assert().code(2);
    portavoz()
        .arg("view")
        .arg(&nothing)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("does not exist"));
    assert_eq!(
        fs::read_to_string(&input).unwrap(),
        jsonl("a", SENTENCE),
        "inputs are never written"
    );
}

#[test]
fn help_and_version() {
    portavoz()
        .args(["annotate", "--help"])
        .assert()
        .success()
        .stdout(predicate::str::contains("--resume"))
        .stdout(predicate::str::contains("Exit status: 0"))
        .stdout(predicate::str::contains("\"error\": {\"source\""));
    portavoz()
        .arg("--version")
        .assert()
        .success()
        .stdout(predicate::str::starts_with("portavoz "));
}

/// `--version` names the model's version and where `annotate` would load it from.
#[test]
fn version_names_the_model_and_its_folder() {
    let shipped = Path::new(env!("CARGO_MANIFEST_DIR")).join("models/portavoz-ner-es");
    let model_version = fs::read_to_string(shipped.join("VERSION"))
        .unwrap()
        .trim()
        .to_string();
    portavoz()
        .arg("--version")
        .env("PORTAVOZ_MODEL", &shipped)
        .assert()
        .success()
        .stdout(predicate::str::starts_with(format!(
            "portavoz {}\n",
            env!("CARGO_PKG_VERSION")
        )))
        .stdout(predicate::str::contains(format!(
            "model: portavoz-ner-es {model_version} from {} (named by PORTAVOZ_MODEL)",
            shipped.display()
        )));
    // Without PORTAVOZ_MODEL and with an empty cache, the crate's own folder.
    let cache = tempfile::tempdir().unwrap();
    portavoz()
        .arg("--version")
        .env("PORTAVOZ_CACHE", cache.path())
        .assert()
        .success()
        .stdout(predicate::str::contains(format!(
            "from {} (the crate's own models folder)",
            shipped.display()
        )));
}

fn annotation_line(id: &str) -> String {
    let text = "Lavrov dijo que Rusia se opone a las sanciones.";
    format!(
        "{}\n",
        serde_json::json!({
            "id": id, "text": text,
            "entities": [
                {"text": "Lavrov", "label": "PER", "start": 0, "end": 6, "byte_start": 0, "byte_end": 6,
                 "score": 0.98, "canonical": "Sergey Lavrov"},
                {"text": "Rusia", "label": "STATE", "start": 16, "end": 21, "byte_start": 16, "byte_end": 21,
                 "score": 1.0, "canonical": "Rusia"}],
            "claims": [
                {"speaker": ["Sergey Lavrov"], "cue": "dijo", "cue_start": 7, "cue_end": 11,
                 "content": "Rusia se opone a las sanciones", "content_start": 16, "content_end": 46,
                 "mode": "indirect", "stances": [{"target": "sanciones", "polarity": "oppose"}]}]
        })
    )
}

#[test]
fn view_writes_a_self_contained_report() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("ann.jsonl");
    let error = "{\"id\":\"line-2\",\"error\":{\"source\":\"c.jsonl\",\"line\":2,\"reason\":\"malformed JSON\"}}\n";
    fs::write(
        &input,
        format!(
            "{}{error}{}",
            annotation_line("uno"),
            annotation_line("dos<b>")
        ),
    )
    .unwrap();
    let out = dir.path().join("report.html");
    portavoz()
        .arg("view")
        .arg(&input)
        .arg("-o")
        .arg(&out)
        .assert()
        .code(0)
        .stderr(predicate::str::contains(
            "report of 2 documents and 1 error records",
        ));
    let html = fs::read_to_string(&out).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>") && html.ends_with("</html>\n"));
    assert!(html.contains("<title>portavoz report: ann.jsonl</title>"));
    assert!(html
        .contains("<mark class=\"ent l-PER\" title=\"PER · Sergey Lavrov · score 0.98\">Lavrov"));
    assert!(html.contains("▼ opposes sanciones"));
    assert!(html.contains("dos&lt;b&gt;"));
    assert!(html.contains("malformed JSON"));
    assert!(html.contains("<td class=\"speaker\">Sergey Lavrov</td><td>sanciones</td><td class=\"num zero\">0</td><td class=\"num opp\">2</td>"));
    assert!(!html.contains("<script") && !html.contains("src=\"http"));
}

#[test]
fn view_reads_stdin_and_reports_unreadable_lines() {
    let input = format!(
        "{}not json\n\n{}",
        annotation_line("a"),
        annotation_line("b")
    );
    portavoz()
        .args(["view", "--title", "Prueba"])
        .write_stdin(input)
        .assert()
        .code(1)
        .stdout(predicate::str::contains("<title>Prueba</title>"))
        .stdout(predicate::str::contains("<b>line-2</b> — not annotated"))
        .stdout(predicate::str::contains("<b>2</b> documents"))
        .stderr(predicate::str::contains("<stdin>:2: malformed JSON"));
    // Invalid UTF-8 in an annotations file.
    let mut bad = annotation_line("a").into_bytes();
    bad.extend_from_slice(b"{\"id\":\"x\",\"text\":\"\xFF\"}\n");
    portavoz()
        .arg("view")
        .write_stdin(bad)
        .assert()
        .code(1)
        .stdout(predicate::str::contains(
            "invalid UTF-8 at byte 18 of the line",
        ));
}

#[test]
fn view_accepts_gold_records_without_byte_offsets() {
    let gold = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/eval/readouts-dev.jsonl");
    if !gold.exists() {
        return; // The gold set lives beside the repository, not in it.
    }
    portavoz()
        .arg("view")
        .arg(&gold)
        .assert()
        .code(0)
        .stdout(predicate::str::contains(
            "Who took which stance toward whom",
        ));
}

// ---------------------------------------------------------------------------------------
// Need the model

#[test]
fn stdin_to_stdout_jsonl() {
    let input = format!(
        "{}{{\"text\": \"Wang Yi dijo que China apoya el multilateralismo.\"}}\n{}",
        jsonl("a", SENTENCE),
        jsonl("c", "Moscú y Pekín firmaron un acuerdo.")
    );
    let out = portavoz()
        .arg("annotate")
        .write_stdin(input)
        .assert()
        .code(0)
        .get_output()
        .clone();
    let recs = records(&out.stdout);
    assert_eq!(ids(&recs), ["a", "line-2", "c"]);
    assert!(recs.iter().all(is_annotation), "{recs:?}");
    assert_eq!(recs[0]["text"], SENTENCE);
    assert!(String::from_utf8_lossy(&out.stderr).contains("3 records: 3 annotated, 0 failed"));
}

/// `annotate` says on stderr which portavoz and which model made the output (one record per
/// input stays on stdout), and the HTML report names both versions.
#[test]
fn annotate_reports_the_versions_that_made_the_output() {
    let shipped = Path::new(env!("CARGO_MANIFEST_DIR")).join("models/portavoz-ner-es");
    let model_version = fs::read_to_string(shipped.join("VERSION"))
        .unwrap()
        .trim()
        .to_string();
    let out = portavoz()
        .args(["annotate", "--model"])
        .arg(&shipped)
        .write_stdin(jsonl("a", SENTENCE))
        .assert()
        .code(0)
        .get_output()
        .clone();
    assert_eq!(ids(&records(&out.stdout)), ["a"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let made_by = format!(
        "portavoz {}: model portavoz-ner-es {model_version} from {} (given explicitly)",
        env!("CARGO_PKG_VERSION"),
        shipped.display()
    );
    assert!(stderr.starts_with(&made_by), "{stderr}");
    let quiet = portavoz()
        .args(["annotate", "--quiet"])
        .write_stdin(jsonl("a", SENTENCE))
        .assert()
        .code(0)
        .get_output()
        .clone();
    assert!(
        quiet.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&quiet.stderr)
    );
    let html = portavoz()
        .args(["annotate", "--quiet", "--format", "html"])
        .write_stdin(jsonl("a", SENTENCE))
        .assert()
        .code(0)
        .get_output()
        .clone();
    let html = String::from_utf8_lossy(&html.stdout);
    assert!(
        html.contains(&format!(
            "portavoz {} · model portavoz-ner-es {model_version}",
            env!("CARGO_PKG_VERSION")
        )),
        "{html}"
    );
}

/// Reads stdout lines on a thread, so a test can wait for each with a time limit.
fn line_reader(stdout: std::process::ChildStdout) -> mpsc::Receiver<String> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    rx
}

#[test]
fn stdin_streams_record_by_record() {
    // As a map step (e.g. Spark's RDD.pipe): each record comes back before the next is sent,
    // with the default batch size.
    let mut child = StdCommand::new(assert_cmd::cargo::cargo_bin("portavoz"))
        .args(["annotate", "--quiet"])
        .env_remove("PORTAVOZ_MODEL")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let rx = line_reader(child.stdout.take().unwrap());
    let limit = Duration::from_secs(600);
    for (i, text) in [
        SENTENCE,
        "",
        "Lavrov agregó que Moscú está dispuesta a negociar.",
    ]
    .iter()
    .enumerate()
    {
        let id = format!("r{i}");
        stdin.write_all(jsonl(&id, text).as_bytes()).unwrap();
        stdin.flush().unwrap();
        let line = match rx.recv_timeout(limit) {
            Ok(l) => l,
            Err(e) => {
                drop(stdin);
                let out = child.wait_with_output().unwrap();
                panic!(
                    "no output for {id} ({e:?}); stderr: {}",
                    String::from_utf8_lossy(&out.stderr)
                );
            }
        };
        let rec: Value = serde_json::from_str(&line).unwrap();
        assert_eq!(rec["id"], id.as_str());
        assert!(is_annotation(&rec), "{rec}");
    }
    drop(stdin);
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0));
    assert!(
        rx.recv_timeout(Duration::from_secs(5)).is_err(),
        "nothing after the last record"
    );
}

#[test]
fn malformed_jsonl_line_gives_an_error_record_and_the_run_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("corpus.jsonl");
    let text = format!(
        "{}{{\"id\": \"b\", \"text\": \"sin cerrar}}\n\n[1, 2]\n{{\"id\": \"d\"}}\n{}",
        jsonl("a", SENTENCE),
        jsonl("e", "China y Rusia firmaron un acuerdo.")
    );
    fs::write(&input, text).unwrap();
    let out = dir.path().join("out.jsonl");
    portavoz()
        .arg("annotate")
        .arg(&input)
        .arg("-o")
        .arg(&out)
        .assert()
        .code(1)
        .stdout("")
        .stderr(predicate::str::contains(
            "corpus.jsonl:2: record \"line-2\": malformed JSON",
        ))
        .stderr(predicate::str::contains("5 records: 2 annotated, 3 failed"));
    let recs = records(&fs::read(&out).unwrap());
    assert_eq!(ids(&recs), ["a", "line-2", "line-4", "d", "e"]);
    // As a map step, failed records need not fail the run.
    portavoz()
        .args(["annotate", "--quiet", "--allow-record-errors"])
        .arg(&input)
        .assert()
        .code(0)
        .stdout(predicate::str::contains("\"id\":\"line-2\",\"error\""));
    assert!(is_annotation(&recs[0]) && is_annotation(&recs[4]));
    assert_eq!(recs[1]["error"]["line"], 2);
    assert_eq!(recs[1]["error"]["source"], input.display().to_string());
    assert!(recs[1]["error"]["reason"]
        .as_str()
        .unwrap()
        .starts_with("malformed JSON"));
    assert_eq!(recs[2]["error"]["line"], 4);
    assert!(recs[2]["error"]["reason"]
        .as_str()
        .unwrap()
        .contains("expected a JSON object"));
    assert_eq!(recs[3]["error"]["reason"], "missing \"text\" field");
}

#[test]
fn invalid_utf8_in_jsonl() {
    let mut input = jsonl("a", SENTENCE).into_bytes();
    input.extend_from_slice(b"{\"id\": \"b\", \"text\": \"Pek\xEDn\"}\n\xFF\xFE\n");
    input.extend_from_slice(jsonl("c", "Moscú").as_bytes());
    let out = portavoz()
        .args(["annotate", "--quiet"])
        .write_stdin(input)
        .assert()
        .code(1)
        .get_output()
        .clone();
    let recs = records(&out.stdout);
    assert_eq!(ids(&recs), ["a", "b", "line-3", "c"]);
    assert_eq!(recs[1]["error"]["line"], 2);
    assert_eq!(
        recs[1]["error"]["reason"],
        "invalid UTF-8 at byte 24 of the line"
    );
    assert_eq!(
        recs[2]["error"]["reason"],
        "invalid UTF-8 at byte 0 of the line"
    );
    assert!(is_annotation(&recs[3]));
    assert!(out.stderr.is_empty(), "--quiet");
}

#[test]
fn invalid_utf8_in_a_txt_file_of_a_directory() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("b_bueno.txt"), SENTENCE).unwrap();
    fs::write(
        dir.path().join("a_latin1.txt"),
        b"Mosc\xFA y Pek\xEDn firmaron un acuerdo.",
    )
    .unwrap();
    fs::write(dir.path().join("c_vacio.txt"), "").unwrap();
    fs::write(dir.path().join("notas.md"), "no es un documento").unwrap();
    let out = portavoz()
        .arg("annotate")
        .arg(dir.path())
        .assert()
        .code(1)
        .get_output()
        .clone();
    let recs = records(&out.stdout);
    assert_eq!(ids(&recs), ["a_latin1", "b_bueno", "c_vacio"]);
    assert_eq!(recs[0]["error"]["reason"], "invalid UTF-8 at byte 4");
    assert_eq!(
        recs[0]["error"]["line"],
        Value::Null,
        "the documented field is there, null for a whole file"
    );
    assert!(recs[0]["error"]["source"]
        .as_str()
        .unwrap()
        .ends_with("a_latin1.txt"));
    assert!(is_annotation(&recs[1]));
    assert_eq!(recs[1]["text"], SENTENCE);
    assert_eq!(recs[2]["text"], "");
    assert_eq!(recs[2]["entities"], serde_json::json!([]));
}

#[test]
fn empty_documents_get_empty_annotations() {
    let input = format!(
        "{}{}{}",
        jsonl("vacio", ""),
        jsonl("blanco", " \n\t "),
        jsonl("a", SENTENCE)
    );
    let out = portavoz()
        .arg("annotate")
        .write_stdin(input)
        .assert()
        .code(0)
        .get_output()
        .clone();
    let recs = records(&out.stdout);
    assert_eq!(ids(&recs), ["vacio", "blanco", "a"]);
    for r in &recs[..2] {
        assert!(is_annotation(r));
        assert_eq!(r["entities"], serde_json::json!([]));
        assert_eq!(r["claims"], serde_json::json!([]));
    }
    assert_eq!(recs[1]["text"], " \n\t ");
}

#[test]
fn missing_ids_get_line_numbers() {
    let input = format!(
        "{{\"text\": \"{SENTENCE}\"}}\n\n{{\"id\": null, \"text\": \"Moscú\"}}\n{{\"id\": 42, \"text\": \"Pekín\"}}\n"
    );
    let out = portavoz()
        .arg("annotate")
        .write_stdin(input)
        .assert()
        .code(0)
        .get_output()
        .clone();
    assert_eq!(ids(&records(&out.stdout)), ["line-1", "line-3", "42"]);

    // With several inputs, a generated id names its file.
    let dir = tempfile::tempdir().unwrap();
    let (one, two) = (dir.path().join("uno.jsonl"), dir.path().join("dos.jsonl"));
    fs::write(&one, "{\"text\": \"Moscú\"}\n").unwrap();
    fs::write(&two, "{\"text\": \"Pekín\"}\n").unwrap();
    let out = portavoz()
        .arg("annotate")
        .arg(&one)
        .arg(&two)
        .assert()
        .code(0)
        .get_output()
        .clone();
    assert_eq!(
        ids(&records(&out.stdout)),
        ["uno.jsonl:line-1", "dos.jsonl:line-1"]
    );
}

fn corpus(n: usize) -> String {
    let texts = [
        SENTENCE,
        "Wang Yi dijo que China apoya el multilateralismo y se opone al unilateralismo.",
        "«Estamos dispuestos a negociar», afirmó Lavrov en Moscú.",
    ];
    let mut s = String::new();
    for i in 0..n {
        if i == 3 {
            s.push_str("{\"id\": \"roto\", \n");
        } else {
            s.push_str(&jsonl(&format!("doc-{i}"), texts[i % texts.len()]));
        }
    }
    s
}

#[test]
fn resume_after_a_kill_writes_each_record_once_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("corpus.jsonl");
    fs::write(&input, corpus(8)).unwrap();
    let out = dir.path().join("out.jsonl");
    portavoz()
        .args(["annotate", "--quiet", "--batch-size", "2"])
        .arg(&input)
        .arg("-o")
        .arg(&out)
        .assert()
        .code(1);
    let full = fs::read(&out).unwrap();
    let expected = ids(&records(&full));
    assert_eq!(
        expected,
        ["doc-0", "doc-1", "doc-2", "line-4", "doc-4", "doc-5", "doc-6", "doc-7"]
    );

    // A kill in the middle of the 6th record: 5 complete lines and part of one.
    let ends: Vec<usize> = full
        .iter()
        .enumerate()
        .filter(|(_, &b)| b == b'\n')
        .map(|(i, _)| i + 1)
        .collect();
    let cut = ends[4] + (ends[5] - ends[4]) / 2;
    fs::write(&out, &full[..cut]).unwrap();
    portavoz()
        .args(["annotate", "--resume"])
        .arg(&input)
        .arg("-o")
        .arg(&out)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("resuming: 5 records already in"))
        .stderr(predicate::str::contains("dropped a partial last line"))
        .stderr(predicate::str::contains("8 records: 3 annotated, 0 failed"))
        .stderr(predicate::str::contains("5 already in the output (resume)"))
        .stderr(predicate::str::contains(
            "1 error records from the earlier run",
        ));
    let resumed = records(&fs::read(&out).unwrap());
    assert_eq!(ids(&resumed), expected);
    let full_recs = records(&full);
    for (a, b) in resumed.iter().zip(&full_recs) {
        assert_eq!(a["text"], b["text"]);
    }

    // Resuming a finished run adds nothing, and still fails for the error record in the output
    // (unless told to allow record errors); resuming with no output file starts afresh.
    portavoz()
        .args(["annotate", "--quiet", "--resume"])
        .arg(&input)
        .arg("-o")
        .arg(&out)
        .assert()
        .code(1);
    portavoz()
        .args(["annotate", "--quiet", "--resume", "--allow-record-errors"])
        .arg(&input)
        .arg("-o")
        .arg(&out)
        .assert()
        .code(0);
    assert_eq!(ids(&records(&fs::read(&out).unwrap())), expected);
    let fresh = dir.path().join("fresh.jsonl");
    portavoz()
        .args(["annotate", "--quiet", "--resume"])
        .arg(&input)
        .arg("-o")
        .arg(&fresh)
        .assert()
        .code(1);
    assert_eq!(ids(&records(&fs::read(&fresh).unwrap())), expected);
}

#[test]
fn json_and_html_formats() {
    let input = format!(
        "{}not json\n{}",
        jsonl("a", SENTENCE),
        jsonl("b", "Moscú y Pekín.")
    );
    let out = portavoz()
        .args(["annotate", "--format", "json"])
        .write_stdin(input.clone())
        .assert()
        .code(1)
        .get_output()
        .clone();
    let v: Value = serde_json::from_slice(&out.stdout).expect("one JSON array");
    assert_eq!(ids(v.as_array().unwrap()), ["a", "line-2", "b"]);

    let dir = tempfile::tempdir().unwrap();
    let html = dir.path().join("r.html");
    portavoz()
        .args(["annotate", "--quiet", "--format", "html", "-o"])
        .arg(&html)
        .write_stdin(input)
        .assert()
        .code(1);
    let html = fs::read_to_string(html).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>") && html.ends_with("</html>\n"));
    assert!(html.contains("Who took which stance toward whom"));
    assert!(html.contains("<b>line-2</b> — not annotated"));
    assert!(html.contains("Serguéi Lavrov") || html.contains("Lavrov"));
}

#[test]
fn progress_lines_when_stderr_is_not_a_terminal() {
    let out = portavoz()
        .args(["annotate", "--progress-interval", "0"])
        .write_stdin(corpus(3))
        .assert()
        .code(0)
        .get_output()
        .clone();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("docs/s"), "{err}");
    assert!(!err.contains('\r'), "no bar redraws in a pipe");
    assert_eq!(records(&out.stdout).len(), 3);
}

#[test]
fn seed_readouts_directory() {
    let seeds = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/data");
    let out = portavoz()
        .args(["annotate", "--quiet"])
        .arg(&seeds)
        .assert()
        .code(0)
        .get_output()
        .clone();
    let recs = records(&out.stdout);
    assert_eq!(
        ids(&recs),
        [
            "000_f769a305aa255460",
            "001_0ae4057f2a729d92",
            "004_0c1d86c61138dfca"
        ]
    );
    assert!(
        recs.iter()
            .all(|r| !r["entities"].as_array().unwrap().is_empty()),
        "the seeds name people and states"
    );
}

#[test]
fn conllu_output_has_one_newdoc_per_record_and_an_error_comment_for_a_bad_line() {
    let input = format!(
        "{}not json\n{}",
        jsonl("a", SENTENCE),
        jsonl("b", "Rusia apoya el diálogo.")
    );
    let out = portavoz()
        .args(["annotate", "--quiet", "--format", "conllu"])
        .write_stdin(input)
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(out).unwrap();
    let newdocs: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with("# newdoc id = "))
        .collect();
    assert_eq!(
        newdocs,
        vec!["# newdoc id = a", "# newdoc id = line-2", "# newdoc id = b"]
    );
    assert!(text.contains("# error = "), "{text}");
    let sentences = portavoz::syntax::conllu::read(&text).expect("valid CoNLL-U");
    assert!(
        sentences.iter().any(|s| s
            .words
            .iter()
            .any(|w| w.form == "dijo" && w.lemma == "decir" && w.deprel == "root")),
        "{text}"
    );
    assert!(
        sentences
            .iter()
            .any(|s| s.words.iter().any(|w| w.misc.contains("Entity=B-PER"))),
        "{text}"
    );
}

#[test]
fn tokens_flag_adds_the_parse_to_jsonl() {
    let out = portavoz()
        .args(["annotate", "--quiet", "--tokens"])
        .write_stdin(jsonl("a", SENTENCE))
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let recs = records(&out);
    let tokens = recs[0]["tokens"].as_array().expect("tokens");
    let dijo = tokens.iter().find(|t| t["form"] == "dijo").expect("dijo");
    assert_eq!(dijo["lemma"], "decir");
    assert_eq!(dijo["deprel"], "root");
    assert!(recs[0]["sentences"]
        .as_array()
        .is_some_and(|s| !s.is_empty()));
    let plain = portavoz()
        .args(["annotate", "--quiet"])
        .write_stdin(jsonl("a", SENTENCE))
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    assert!(
        records(&plain)[0].get("tokens").is_none(),
        "no tokens unless asked"
    );
}

#[test]
fn a_second_writer_of_the_same_output_fails_at_once_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.jsonl");
    fs::write(&input, jsonl("a", SENTENCE)).unwrap();
    let out = dir.path().join("out.jsonl");

    // A first writer that keeps the output open: streaming stdin that stays open.
    let mut first = StdCommand::new(env!("CARGO_BIN_EXE_portavoz"))
        .args(["annotate", "--quiet", "-o"])
        .arg(&out)
        .env_remove("PORTAVOZ_MODEL")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = first.stdin.take().unwrap();
    stdin.write_all(jsonl("uno", SENTENCE).as_bytes()).unwrap();
    stdin.flush().unwrap();
    // Wait until the first writer has written its first record (it holds the lock by then).
    let deadline = std::time::Instant::now() + Duration::from_secs(120);
    while fs::read_to_string(&out).map_or(true, |t| !t.ends_with('\n')) {
        assert!(
            std::time::Instant::now() < deadline,
            "the first writer wrote nothing"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let before = fs::read_to_string(&out).unwrap();
    for resume in [false, true] {
        let mut second = portavoz();
        second
            .args(["annotate", "--quiet"])
            .arg(&input)
            .arg("-o")
            .arg(&out);
        if resume {
            second.arg("--resume");
        }
        second
            .timeout(Duration::from_secs(120))
            .assert()
            .code(2)
            .stderr(predicate::str::contains(
                "is being written by another process",
            ));
        assert_eq!(
            fs::read_to_string(&out).unwrap(),
            before,
            "the second writer changed nothing"
        );
    }

    // Once the first writer is done, the lock is gone.
    stdin.write_all(jsonl("dos", SENTENCE).as_bytes()).unwrap();
    drop(stdin);
    assert!(first.wait().unwrap().success());
    assert_eq!(ids(&records(&fs::read(&out).unwrap())), ["uno", "dos"]);
    portavoz()
        .args(["annotate", "--quiet", "--resume"])
        .arg(&input)
        .arg("-o")
        .arg(&out)
        .assert()
        .code(0);
    assert_eq!(ids(&records(&fs::read(&out).unwrap())), ["uno", "dos", "a"]);
}

#[test]
fn every_entry_of_a_folder_is_accounted_for() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    fs::write(root.join("a_bueno.txt"), SENTENCE).unwrap();
    std::os::unix::fs::symlink(root.join("no-such-file"), root.join("b_colgante.txt")).unwrap();
    std::os::unix::fs::symlink(root.join("c_bucle.txt"), root.join("c_bucle.txt")).unwrap();
    fs::create_dir(root.join("d_carpeta.txt")).unwrap();
    std::os::unix::fs::symlink(root.join("a_bueno.txt"), root.join("e_enlace.txt")).unwrap();
    fs::write(root.join("notas.md"), "no es un documento").unwrap();
    let out = portavoz()
        .arg("annotate")
        .arg(root)
        .assert()
        .code(1)
        .get_output()
        .clone();
    let recs = records(&out.stdout);
    assert_eq!(
        ids(&recs),
        ["a_bueno", "b_colgante", "c_bucle", "d_carpeta", "e_enlace"],
        "name order"
    );
    assert!(is_annotation(&recs[0]));
    let reason = |i: usize| recs[i]["error"]["reason"].as_str().unwrap().to_string();
    assert!(reason(1).starts_with("dangling symlink"), "{}", reason(1));
    assert!(reason(2).starts_with("symlink loop"), "{}", reason(2));
    assert!(reason(3).starts_with("a folder"), "{}", reason(3));
    for r in &recs[1..4] {
        assert_eq!(r["error"]["line"], Value::Null);
        assert!(r["error"]["source"].as_str().unwrap().ends_with(".txt"));
    }
    assert!(is_annotation(&recs[4]), "a symlink to a file is read");
    assert_eq!(recs[4]["text"], SENTENCE);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("skipped 1 folder entries not named *.txt"),
        "{stderr}"
    );
    assert!(stderr.contains("notas.md"), "{stderr}");
}

#[test]
fn members_other_than_id_and_text_are_not_read() {
    let input = "{\"id\": \"a\", \"n\": 1e400, \"meta\": {\"x\": [1, 2, {\"y\": 1e999}]}, \"text\": \"Moscú\"}\n";
    let out = portavoz()
        .args(["annotate", "--quiet"])
        .write_stdin(input)
        .assert()
        .code(0)
        .get_output()
        .clone();
    let recs = records(&out.stdout);
    assert!(is_annotation(&recs[0]), "{:?}", recs[0]);
    assert_eq!(recs[0]["text"], "Moscú");
}

#[test]
fn no_syntax_skips_the_parse_and_refuses_conllu() {
    let out = portavoz()
        .args(["annotate", "--quiet", "--no-syntax"])
        .write_stdin(jsonl("a", SENTENCE))
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let recs = records(&out);
    assert!(is_annotation(&recs[0]));
    assert!(
        recs[0]["entities"]
            .as_array()
            .is_some_and(|e| !e.is_empty()),
        "entities still found"
    );
    portavoz()
        .args(["annotate", "--quiet", "--no-syntax", "--format", "conllu"])
        .write_stdin(jsonl("a", SENTENCE))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--no-syntax"));
}
