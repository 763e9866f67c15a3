//! `portavoz`: batch annotation of Spanish news and diplomatic readouts.
//!
//!     portavoz annotate corpus.jsonl -o out.jsonl        # JSONL in, JSONL out
//!     portavoz annotate textos/ --format html -o r.html  # a folder of .txt, HTML report
//!     portavoz annotate < in.jsonl > out.jsonl           # stdin to stdout, streaming
//!     portavoz view out.jsonl -o report.html             # HTML report of annotations
mod progress;

use std::fs::File;
use std::io::{self, BufReader, BufWriter, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};

use portavoz::io::{
    annotate_stream, parse_output_line, plan_inputs, read_line_limited, ConlluSink, ErrorRecord,
    InputFormat, InputSpec, JsonArraySink, JsonlSink, OutputFile, OutputRecord, RecordError,
    RecordSink, RunOptions, Source, MAX_RECORD_BYTES, STDIN_NAME,
};
use portavoz::model_location::{ModelInfo, ModelSource};
use portavoz::report::HtmlReport;
use portavoz::{DeviceChoice, Error, Pipeline, PipelineConfig};
use progress::Progress;

const AFTER_HELP: &str = "\
Exit status: 0 when all went well, 1 when some records failed (each has an error record in
the output) or the output could not be written, 2 for usage errors (bad options, a missing
input, no model).";

const VIEW_HELP: &str = "\
Reads the JSONL that `portavoz annotate` writes (error records included) and also gold files
in the DESIGN.md format without byte offsets or scores.

Exit status: 0 when every line was read, 1 when some lines could not be read (they are
listed in the report) or the output could not be written, 2 for usage errors.";

#[derive(Parser)]
#[command(name = "portavoz", about = "Who is mentioned, who said what, and for or against whom, in Spanish news and diplomatic readouts", after_help = AFTER_HELP)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Annotate documents: entities, claims and stances, one output record per input record.
    #[command(after_help = ANNOTATE_HELP)]
    Annotate(AnnotateArgs),
    /// Turn an annotations JSONL (output of `annotate`) into a self-contained HTML report.
    #[command(after_help = VIEW_HELP)]
    View(ViewArgs),
}

const ANNOTATE_HELP: &str = "\
Inputs: .jsonl/.ndjson/.json files (one {\"id\", \"text\"} object per line), other files (one
document each, id = file stem), directories (every entry named *.txt, in name order; other
entries are skipped and named on stderr), or - for stdin. With no input, JSONL is read from
stdin and written to stdout, record by record:

    portavoz annotate < corpus.jsonl > annotations.jsonl

A record that cannot be read or annotated gives an error record in its place:
    {\"id\": \"line-3\", \"error\": {\"source\": \"corpus.jsonl\", \"line\": 3, \"reason\": \"...\"}}
(\"line\" is null for a whole-file document: a .txt file, a folder entry such as a dangling
symlink). A record without an id gets line-N. An empty text gets an annotation with no entities.

--output FILE is locked while the run writes it: a second run writing the same FILE fails at
once (exit status 2) and changes nothing.

Exit status: 0 when every record was annotated, 1 when some records failed (each has an
error record in the output, including those an earlier run left in a --resume output; see
--allow-record-errors) or the output could not be written, 2 for usage errors (bad options, a
missing input, a missing or inconsistent model folder, an output locked by another run).";

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    /// One JSON object per line (DESIGN.md format).
    Jsonl,
    /// A pretty-printed JSON array.
    Json,
    /// A self-contained HTML report.
    Html,
    /// CoNLL-U: the parse of every sentence (lemma, part of speech, features, dependencies),
    /// entity tags in MISC; `# newdoc id = <id>` before each record.
    Conllu,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum DeviceArg {
    Cpu,
    Cuda,
    Auto,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum InFormat {
    /// By extension: .jsonl/.ndjson/.json are JSONL, anything else one document; stdin JSONL.
    Auto,
    /// JSONL with `id` and `text`.
    Jsonl,
    /// Plain text, one document per file (stdin: one document with id `stdin`).
    Txt,
}

#[derive(Args)]
struct AnnotateArgs {
    /// Input files or directories; `-` or nothing for stdin.
    #[arg(value_name = "INPUT")]
    inputs: Vec<PathBuf>,
    /// Folder of the NER model [default: $PORTAVOZ_MODEL, else the per-user copy set-up installs
    /// (~/.cache/portavoz/models/portavoz-ner-es-<version>), else the crate's models/portavoz-ner-es].
    #[arg(long, value_name = "DIR")]
    model: Option<PathBuf>,
    /// CPU threads of the model [default: one per core]. Use 1 when several processes share
    /// a machine (e.g. Spark executors).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=1024))]
    threads: Option<u32>,
    /// Where the model runs: cpu, cuda (the first GPU; an error without one) or auto (a GPU if
    /// there is one).
    #[arg(long, value_enum, default_value_t = DeviceArg::Cpu)]
    device: DeviceArg,
    /// Number format of the model: auto (bf16 on CPUs with AMX, else fp32), fp32, bf16, or
    /// int8 (int8 linear layers; see the README for its speed and F1 on your CPU).
    #[arg(long, value_name = "P", default_value_t = portavoz::Precision::default())]
    precision: portavoz::Precision,
    /// Forward-pass implementation: fused (portavoz's, the default) or rust-bert (its
    /// RobertaForTokenClassification forward on the same weights; fp32/bf16; for cross-checks).
    #[arg(long, value_name = "F", default_value = "fused")]
    forward: portavoz::Forward,
    /// Documents annotated together (a batch is also closed at 1 MiB of text).
    #[arg(long, value_name = "N", default_value_t = 16, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    batch_size: u32,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Jsonl)]
    format: Format,
    /// How to read the inputs.
    #[arg(long, value_enum, default_value_t = InFormat::Auto)]
    input_format: InFormat,
    /// Output file [default: stdout].
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Continue an interrupted run: keep the records already in --output (JSONL) and skip
    /// their ids in the input.
    #[arg(long)]
    resume: bool,
    /// No progress and no summary on stderr.
    #[arg(short, long)]
    quiet: bool,
    /// Add each document's parsed sentences and words (lemma, part of speech, features,
    /// dependency head and relation, offsets) to the JSON output as "sentences" and "tokens".
    #[arg(long)]
    tokens: bool,
    /// Skip the syntax heads (faster; no lemmas, parts of speech or trees; not with
    /// --format conllu or --tokens).
    #[arg(long, conflicts_with_all = ["tokens"])]
    no_syntax: bool,
    /// Whose treebank conventions the parse follows: gsd (UD Spanish GSD: a relative "que" is
    /// SCONJ mark, a possessive DET) or pud (UD Spanish PUD: PRON nsubj/obj, PRON); the
    /// model's default when left out.
    #[arg(long, value_name = "TREEBANK")]
    syntax_style: Option<String>,
    /// Exit 0 even when some records failed (they still get error records). For map steps such
    /// as Spark's RDD.pipe, which fail the whole task on a non-zero exit.
    #[arg(long)]
    allow_record_errors: bool,
    /// Seconds between progress lines when stderr is not a terminal.
    #[arg(long, value_name = "SECS", default_value_t = 10.0, hide = true)]
    progress_interval: f64,
}

#[derive(Args)]
struct ViewArgs {
    /// Annotation JSONL files; `-` or nothing for stdin.
    #[arg(value_name = "INPUT")]
    inputs: Vec<PathBuf>,
    /// Output file [default: stdout].
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Title of the report [default: the input file names].
    #[arg(long)]
    title: Option<String>,
    /// No summary on stderr.
    #[arg(short, long)]
    quiet: bool,
}

/// How a command ended badly.
enum Failure {
    /// Exit 2, with this message.
    Usage(String),
    /// Exit 1, with this message.
    Runtime(String),
    /// Exit 1 quietly: stdout was closed by its reader.
    BrokenPipe,
}

/// `portavoz --version`: portavoz's version, and the model's version and folder as
/// `portavoz annotate` would find it (without --model).
fn long_version() -> String {
    let model = match ModelInfo::locate(None) {
        Ok(m) => m.to_string(),
        Err(e) => format!("not found ({e})"),
    };
    format!("{}\nmodel: {model}", portavoz::VERSION)
}

fn main() -> ExitCode {
    use clap::{CommandFactory, FromArgMatches};
    let version = long_version();
    let version: &'static str = Box::leak(version.into_boxed_str());
    let matches = Cli::command()
        .version(portavoz::VERSION)
        .long_version(version)
        .get_matches();
    let cli = match Cli::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(e) => e.exit(),
    };
    let result = match cli.command {
        Command::Annotate(args) => annotate(args),
        Command::View(args) => view(args),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(Failure::Usage(msg)) => {
            eprintln!("portavoz: error: {msg}");
            ExitCode::from(2)
        }
        Err(Failure::Runtime(msg)) => {
            eprintln!("portavoz: error: {msg}");
            ExitCode::from(1)
        }
        Err(Failure::BrokenPipe) => ExitCode::from(1),
    }
}

fn is_stdout(path: &Option<PathBuf>) -> bool {
    path.as_deref().map_or(true, |p| p.as_os_str() == "-")
}

/// The message for a failure to open an input.
fn input_error(e: Error) -> Failure {
    match e {
        Error::Io { path, source } if source.kind() == io::ErrorKind::NotFound => {
            Failure::Usage(format!("input {} does not exist", path.display()))
        }
        other => Failure::Usage(other.to_string()),
    }
}

/// A clear message for a model that cannot be loaded: which folder, and how to fix it (the
/// fix depends on how the folder was named).
fn model_error(dir: &Path, source: ModelSource, e: Error) -> Failure {
    let fix = match source {
        ModelSource::Explicit => "check the folder given to --model: it must hold the portavoz NER model \
                                  (config.json, model.safetensors, tokenizer.json), e.g. models/portavoz-ner-es \
                                  in a portavoz source checkout",
        ModelSource::Environment => "check the folder PORTAVOZ_MODEL names (or pass --model DIR): it must hold the \
                                     portavoz NER model (config.json, model.safetensors, tokenizer.json)",
        ModelSource::UserCache | ModelSource::Crate => "run `make setup` in a portavoz source checkout (it reinstalls \
                                 the per-user copy of the model), or pass --model DIR (or set PORTAVOZ_MODEL=DIR) \
                                 naming the folder of the portavoz NER model",
    };
    let msg = match e {
        Error::ModelMissing { path, hint } if path == dir => {
            format!("cannot load the NER model: the model folder {} was not found ({hint})\n  fix: {fix}", dir.display())
        }
        Error::ModelMissing { path, hint } => format!(
            "cannot load the NER model from the folder {}: {} is missing ({hint})\n  fix: {fix}",
            dir.display(),
            path.display()
        ),
        Error::ModelCorrupt { path, reason } => format!(
            "cannot load the NER model from {}: {} is corrupt ({reason})\n  fix: {fix}",
            dir.display(),
            path.display()
        ),
        Error::ModelInvalid {
            path,
            field,
            reason,
        } => format!(
            "cannot load the NER model from {}: {} does not fit: {field}: {reason}\n  fix: {fix}",
            dir.display(),
            path.display()
        ),
        other => format!("cannot load the NER model from {}: {other}", dir.display()),
    };
    Failure::Usage(msg)
}

/// A usage failure for an output file that cannot be opened (or is locked by another writer).
fn create_failure(e: Error) -> Failure {
    match e {
        Error::Io { path, source } => {
            Failure::Usage(format!("cannot create {}: {source}", path.display()))
        }
        other => Failure::Usage(other.to_string()),
    }
}

fn output_failure(e: Error) -> Failure {
    match &e {
        Error::Io { source, .. } if source.kind() == io::ErrorKind::BrokenPipe => {
            Failure::BrokenPipe
        }
        _ => Failure::Runtime(e.to_string()),
    }
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(x), Ok(y)) => x == y,
        _ => false,
    }
}

fn annotate(args: AnnotateArgs) -> Result<u8, Failure> {
    if args.resume && is_stdout(&args.output) {
        return Err(Failure::Usage(
            "--resume needs --output FILE (the output of the interrupted run)".into(),
        ));
    }
    if args.no_syntax && args.format == Format::Conllu {
        return Err(Failure::Usage(
            "--format conllu writes the parse: it cannot go with --no-syntax".into(),
        ));
    }
    if args.resume && args.format != Format::Jsonl {
        return Err(Failure::Usage(
            "--resume works with --format jsonl only".into(),
        ));
    }
    if !(args.progress_interval >= 0.0 && args.progress_interval < 1e9) {
        return Err(Failure::Usage(
            "--progress-interval must be a number of seconds".into(),
        ));
    }
    let specs: Vec<InputSpec> = args.inputs.iter().map(|p| InputSpec::parse(p)).collect();
    if let Some(out) = args.output.as_deref().filter(|_| !is_stdout(&args.output)) {
        for spec in &specs {
            if let InputSpec::Path(p) = spec {
                if same_file(p, out) {
                    return Err(Failure::Usage(format!(
                        "the output {} is also an input",
                        out.display()
                    )));
                }
            }
        }
    }
    let input_format = match args.input_format {
        InFormat::Auto => InputFormat::Auto,
        InFormat::Jsonl => InputFormat::Jsonl,
        InFormat::Txt => InputFormat::Text,
    };
    let plan = plan_inputs(&specs, input_format).map_err(input_error)?;

    let model = ModelInfo::locate(args.model.as_deref())
        .map_err(|e| Failure::Usage(format!("cannot load the NER model: {e}")))?;
    let dir = model.dir.clone();
    let device = match args.device {
        DeviceArg::Cpu => DeviceChoice::Cpu,
        DeviceArg::Cuda => DeviceChoice::Cuda(0),
        DeviceArg::Auto => DeviceChoice::CudaIfAvailable,
    };
    let config = PipelineConfig {
        model_dir: Some(dir.clone()),
        device,
        threads: args.threads.map(|n| n as usize),
        precision: args.precision,
        forward: args.forward,
        tokens: args.tokens || args.format == Format::Conllu,
        syntax: !args.no_syntax,
        syntax_style: args.syntax_style.clone(),
        ..PipelineConfig::default()
    };
    let pipeline = Pipeline::new(config).map_err(|e| model_error(&dir, model.source, e))?;
    if !args.quiet {
        // What made these results: on stderr, so the output keeps one record per input.
        eprintln!("portavoz {}: model {}", portavoz::VERSION, model);
    }
    if args.format == Format::Conllu && !pipeline.has_syntax() {
        return Err(Failure::Usage(format!(
            "--format conllu needs a model with syntax heads (syntax.json and syntax.safetensors in {}) and the fused forward pass",
            dir.display()
        )));
    }

    // Output: opened only once everything else is in place, so a usage error leaves it alone.
    let (writer, output_name, mut resume): (Box<dyn Write>, String, _) = if is_stdout(&args.output)
    {
        (
            Box::new(BufWriter::with_capacity(1 << 16, io::stdout().lock())),
            "<stdout>".into(),
            None,
        )
    } else {
        let path = args.output.clone().unwrap_or_default();
        let name = path.display().to_string();
        if args.resume {
            let (file, state) =
                OutputFile::resume(&path).map_err(|e| Failure::Usage(e.to_string()))?;
            if !args.quiet && (state.records > 0 || state.dropped_bytes > 0) {
                let mut note = format!("resuming: {} records already in {name}", state.records);
                if state.dropped_bytes > 0 {
                    note.push_str(&format!(
                        ", dropped a partial last line ({} bytes)",
                        state.dropped_bytes
                    ));
                }
                eprintln!("portavoz: {note}");
            }
            (
                Box::new(BufWriter::with_capacity(1 << 16, file)),
                name,
                Some(state),
            )
        } else {
            let file = OutputFile::create(&path).map_err(create_failure)?;
            (
                Box::new(BufWriter::with_capacity(1 << 16, file)),
                name,
                None,
            )
        }
    };
    let mut sink: Box<dyn RecordSink> = match args.format {
        Format::Jsonl => Box::new(JsonlSink::new(writer)),
        Format::Json => Box::new(JsonArraySink::new(writer)),
        Format::Conllu => Box::new(ConlluSink::new(writer)),
        Format::Html => {
            let title = report_title(&args.inputs);
            Box::new(HtmlReport::with_model(writer, &title, &model).map_err(|e| {
                output_failure(Error::Io {
                    path: output_name.clone().into(),
                    source: e,
                })
            })?)
        }
    };

    if !args.quiet
        && plan.sources.iter().any(|s| *s == Source::StdinJsonl)
        && io::stdin().is_terminal()
    {
        eprintln!("portavoz: reading JSONL ({{\"id\": ..., \"text\": ...}} per line) from the terminal; Ctrl-D ends");
    }
    if !args.quiet && !plan.skipped.is_empty() {
        let names: Vec<String> = plan
            .skipped
            .iter()
            .take(5)
            .map(|p| p.display().to_string())
            .collect();
        let more = if plan.skipped.len() > 5 {
            format!(" and {} more", plan.skipped.len() - 5)
        } else {
            String::new()
        };
        eprintln!(
            "portavoz: skipped {} folder entries not named *.txt (not documents): {}{more}",
            plan.skipped.len(),
            names.join(", ")
        );
    }
    let interval = Duration::from_secs_f64(args.progress_interval);
    let mut progress = Progress::stderr(args.quiet, plan.total_bytes, interval);
    let opts = RunOptions {
        batch_size: args.batch_size as usize,
        ..RunOptions::default()
    };
    let records = portavoz::io::RecordReader::new(&plan);
    let summary = annotate_stream(
        records,
        |docs| pipeline.annotate_batch(docs),
        sink.as_mut(),
        &opts,
        resume.as_mut(),
        &mut progress,
        &output_name,
    )
    .map_err(output_failure)?;
    progress.finish(&summary.line());
    Ok(if args.allow_record_errors {
        0
    } else {
        summary.exit_code() as u8
    })
}

fn report_title(inputs: &[PathBuf]) -> String {
    let names: Vec<String> = inputs
        .iter()
        .map(|p| {
            if p.as_os_str() == "-" {
                "stdin".to_string()
            } else {
                p.file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_else(|| p.display().to_string())
            }
        })
        .collect();
    if names.is_empty() {
        "portavoz report".into()
    } else {
        format!("portavoz report: {}", names.join(", "))
    }
}

fn view(args: ViewArgs) -> Result<u8, Failure> {
    let inputs: Vec<PathBuf> = if args.inputs.is_empty() {
        vec![PathBuf::from("-")]
    } else {
        args.inputs.clone()
    };
    if inputs.iter().filter(|p| p.as_os_str() == "-").count() > 1 {
        return Err(Failure::Usage("stdin (-) is named more than once".into()));
    }
    for p in inputs.iter().filter(|p| p.as_os_str() != "-") {
        if !p.is_file() {
            return Err(Failure::Usage(format!(
                "input {} does not exist or is not a file",
                p.display()
            )));
        }
        if let Some(out) = args.output.as_deref().filter(|_| !is_stdout(&args.output)) {
            if same_file(p, out) {
                return Err(Failure::Usage(format!(
                    "the output {} is also an input",
                    out.display()
                )));
            }
        }
    }
    let (writer, output_name): (Box<dyn Write>, String) = if is_stdout(&args.output) {
        (
            Box::new(BufWriter::new(io::stdout().lock())),
            "<stdout>".into(),
        )
    } else {
        let path = args.output.clone().unwrap_or_default();
        let file = OutputFile::create(&path).map_err(create_failure)?;
        (Box::new(BufWriter::new(file)), path.display().to_string())
    };
    let werr = |e: io::Error| {
        output_failure(Error::Io {
            path: output_name.clone().into(),
            source: e,
        })
    };
    let title = args
        .title
        .clone()
        .unwrap_or_else(|| report_title(&args.inputs));
    let mut report = HtmlReport::new(writer, &title).map_err(werr)?;
    let (mut documents, mut failed, mut unreadable) = (0usize, 0usize, 0usize);
    let mut buf = Vec::new();
    for input in &inputs {
        let (name, mut reader): (String, Box<dyn io::BufRead>) = if input.as_os_str() == "-" {
            (STDIN_NAME.into(), Box::new(BufReader::new(io::stdin())))
        } else {
            let f = File::open(input)
                .map_err(|e| Failure::Usage(format!("cannot open {}: {e}", input.display())))?;
            (input.display().to_string(), Box::new(BufReader::new(f)))
        };
        let mut line = 0usize;
        loop {
            line += 1;
            let parsed = match read_line_limited(reader.as_mut(), &mut buf, MAX_RECORD_BYTES) {
                Ok(None) => break,
                Ok(Some((false, _))) => {
                    Err(format!("line is longer than {MAX_RECORD_BYTES} bytes"))
                }
                Ok(Some((true, _))) => {
                    let raw = buf.strip_suffix(b"\r").unwrap_or(&buf);
                    if raw.iter().all(|b| b.is_ascii_whitespace()) {
                        continue;
                    }
                    match std::str::from_utf8(raw) {
                        Ok(s) => parse_output_line(s.trim_start_matches('\u{feff}')),
                        Err(e) => Err(format!(
                            "invalid UTF-8 at byte {} of the line",
                            e.valid_up_to()
                        )),
                    }
                }
                Err(e) => Err(format!("read error: {e}")),
            };
            let record = match parsed {
                Ok(r) => r,
                Err(reason) => {
                    unreadable += 1;
                    if !args.quiet {
                        eprintln!("portavoz: {name}:{line}: {reason}");
                    }
                    OutputRecord::Error(ErrorRecord {
                        id: format!("line-{line}"),
                        error: RecordError {
                            source: name.clone(),
                            line: Some(line),
                            reason,
                        },
                    })
                }
            };
            match &record {
                OutputRecord::Annotation(_) => documents += 1,
                OutputRecord::Error(_) => failed += 1,
            }
            report.add(&record).map_err(werr)?;
        }
    }
    report.finish().map_err(werr)?;
    if !args.quiet {
        eprintln!(
            "portavoz: report of {documents} documents and {} error records ({unreadable} unreadable lines) written to {output_name}",
            failed
        );
    }
    Ok(if unreadable > 0 { 1 } else { 0 })
}
