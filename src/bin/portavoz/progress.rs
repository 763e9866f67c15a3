//! Progress on stderr while `portavoz annotate` runs: a bar redrawn in place on a terminal,
//! a plain line every few seconds otherwise, nothing with `--quiet`.
use std::io::{self, IsTerminal, Write};
use std::time::{Duration, Instant};

use portavoz::io::{format_rate, Counts, RunObserver};

/// How progress is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProgressStyle {
    /// A bar redrawn in place (stderr is a terminal).
    Bar,
    /// A plain line every interval (stderr is a file or a pipe).
    Lines,
    /// Nothing (`--quiet`).
    Off,
}

/// `h:mm:ss` or `m:ss`.
pub fn format_duration(d: Duration) -> String {
    let s = d.as_secs();
    if s >= 3600 {
        format!("{}:{:02}:{:02}", s / 3600, (s / 60) % 60, s % 60)
    } else {
        format!("{}:{:02}", s / 60, s % 60)
    }
}

/// The progress line: documents, documents/s, and (when the input size is known) a bar,
/// percentage and ETA. `bar` chooses the terminal form.
pub fn format_progress(
    c: &Counts,
    total_bytes: Option<u64>,
    elapsed: Duration,
    bar: bool,
) -> String {
    let secs = elapsed.as_secs_f64();
    let rate = if secs > 0.0 {
        c.written as f64 / secs
    } else {
        f64::NAN
    };
    let mut s = String::new();
    let fraction = total_bytes
        .filter(|&t| t > 0)
        .map(|t| (c.bytes as f64 / t as f64).clamp(0.0, 1.0));
    if bar {
        if let Some(f) = fraction {
            let width = 24usize;
            let filled = ((f * width as f64).round() as usize).min(width);
            s.push('[');
            s.extend(std::iter::repeat('#').take(filled));
            s.extend(std::iter::repeat('-').take(width - filled));
            s.push_str("] ");
        }
    }
    if let Some(f) = fraction {
        s.push_str(&format!("{:3.0}% ", f * 100.0));
    }
    s.push_str(&format!("{} docs, {} docs/s", c.done(), format_rate(rate)));
    if let Some(f) = fraction {
        let total = total_bytes.unwrap_or(0) as f64;
        let worked = c.bytes.saturating_sub(c.skipped_bytes) as f64;
        if f < 1.0 && worked > 0.0 && secs > 0.0 {
            let eta = secs * total * (1.0 - f) / worked;
            s.push_str(&format!(
                ", ETA {}",
                format_duration(Duration::from_secs_f64(eta.min(1e7)))
            ));
        }
    }
    if c.failed > 0 {
        s.push_str(&format!(", {} failed", c.failed));
    }
    if c.skipped > 0 {
        s.push_str(&format!(", {} already done", c.skipped));
    }
    s.push_str(&format!(", {} elapsed", format_duration(elapsed)));
    s
}

/// Shows progress on stderr (or any writer): a bar redrawn in place on a terminal, a plain
/// line every `interval` otherwise, or nothing.
pub struct Progress {
    style: ProgressStyle,
    out: Box<dyn Write>,
    started: Instant,
    last: Option<Instant>,
    interval: Duration,
    total_bytes: Option<u64>,
    drawn: bool,
    notes: usize,
    max_notes: usize,
}

impl Progress {
    pub fn new(
        style: ProgressStyle,
        out: Box<dyn Write>,
        total_bytes: Option<u64>,
        interval: Duration,
    ) -> Self {
        Progress {
            style,
            out,
            started: Instant::now(),
            last: None,
            interval,
            total_bytes,
            drawn: false,
            notes: 0,
            max_notes: 20,
        }
    }

    /// On stderr: a bar if it is a terminal, lines every `interval` otherwise, nothing if `quiet`.
    pub fn stderr(quiet: bool, total_bytes: Option<u64>, interval: Duration) -> Self {
        let style = if quiet {
            ProgressStyle::Off
        } else if io::stderr().is_terminal() {
            ProgressStyle::Bar
        } else {
            ProgressStyle::Lines
        };
        let interval = if style == ProgressStyle::Bar {
            Duration::from_millis(100)
        } else {
            interval
        };
        Progress::new(style, Box::new(io::stderr()), total_bytes, interval)
    }

    fn clear(&mut self) {
        if self.drawn {
            let _ = write!(self.out, "\r\x1b[2K");
            self.drawn = false;
        }
    }

    /// Shows the counts if the interval has passed since the last update.
    pub fn update(&mut self, c: &Counts) {
        if self.style == ProgressStyle::Off {
            return;
        }
        let now = Instant::now();
        let due = match self.last {
            None => {
                self.style == ProgressStyle::Bar
                    || now.duration_since(self.started) >= self.interval
            }
            Some(t) => now.duration_since(t) >= self.interval,
        };
        if !due {
            return;
        }
        self.last = Some(now);
        let line = format_progress(
            c,
            self.total_bytes,
            now.duration_since(self.started),
            self.style == ProgressStyle::Bar,
        );
        let _ = match self.style {
            ProgressStyle::Bar => {
                self.drawn = true;
                write!(self.out, "\r\x1b[2Kportavoz: {line}")
            }
            _ => writeln!(self.out, "portavoz: {line}"),
        };
        let _ = self.out.flush();
    }

    /// Prints a message on its own line (the first 20; then one line saying more were left out).
    pub fn note(&mut self, msg: &str) {
        if self.style == ProgressStyle::Off {
            return;
        }
        self.notes += 1;
        if self.notes > self.max_notes + 1 {
            return;
        }
        self.clear();
        let _ = if self.notes == self.max_notes + 1 {
            writeln!(
                self.out,
                "portavoz: further record errors are only in the output"
            )
        } else {
            writeln!(self.out, "portavoz: {msg}")
        };
        let _ = self.out.flush();
    }

    /// Removes the bar and prints the final summary.
    pub fn finish(&mut self, summary: &str) {
        if self.style == ProgressStyle::Off {
            return;
        }
        self.clear();
        let _ = writeln!(self.out, "portavoz: {summary}");
        let _ = self.out.flush();
    }
}

impl RunObserver for Progress {
    fn update(&mut self, counts: &Counts) {
        Progress::update(self, counts);
    }
    fn note(&mut self, message: &str) {
        Progress::note(self, message);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::RefCell;
    use std::rc::Rc;

    /// A writer whose contents the test can read after handing it away.
    #[derive(Clone, Default)]
    struct Shared(Rc<RefCell<Vec<u8>>>);
    impl Write for Shared {
        fn write(&mut self, b: &[u8]) -> io::Result<usize> {
            self.0.borrow_mut().extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }
    impl Shared {
        fn text(&self) -> String {
            String::from_utf8(self.0.borrow().clone()).unwrap()
        }
    }

    #[test]
    fn progress_lines() {
        let c = Counts {
            written: 50,
            failed: 2,
            bytes: 250,
            ..Counts::default()
        };
        let bar = format_progress(&c, Some(1000), Duration::from_secs(10), true);
        assert_eq!(bar, "[######------------------]  25% 50 docs, 5.00 docs/s, ETA 0:30, 2 failed, 0:10 elapsed");
        let plain = format_progress(&c, None, Duration::from_secs(4000), false);
        assert_eq!(plain, "50 docs, 0.01 docs/s, 2 failed, 1:06:40 elapsed");
        assert_eq!(format_rate(1234.5), "1234");
        // Skipped records (resume) count as done but not toward the rate of work.
        let resumed = Counts {
            written: 10,
            skipped: 40,
            bytes: 600,
            skipped_bytes: 500,
            ..Counts::default()
        };
        let line = format_progress(&resumed, Some(1000), Duration::from_secs(10), false);
        assert_eq!(
            line,
            " 60% 50 docs, 1.00 docs/s, ETA 0:40, 40 already done, 0:10 elapsed"
        );

        let out = Shared::default();
        let mut p = Progress::new(
            ProgressStyle::Lines,
            Box::new(out.clone()),
            None,
            Duration::ZERO,
        );
        p.update(&c);
        p.note("x.jsonl:3: malformed");
        p.finish("done");
        let text = out.text();
        assert!(text.starts_with("portavoz: 50 docs"), "{text}");
        assert!(text.contains("portavoz: x.jsonl:3: malformed\n"));
        assert!(text.ends_with("portavoz: done\n"));
        assert!(!text.contains('\r'));

        let out = Shared::default();
        let mut p = Progress::new(
            ProgressStyle::Bar,
            Box::new(out.clone()),
            Some(1000),
            Duration::ZERO,
        );
        p.update(&c);
        p.finish("done");
        assert!(out.text().starts_with("\r\x1b[2Kportavoz: ["));
        assert!(out.text().ends_with("\r\x1b[2Kportavoz: done\n"));
    }
}
