//! What a load run measured: latency histograms (HdrHistogram, so percentiles are exact to
//! three significant digits without keeping every sample), counts, and the server's memory.

use std::time::Duration;

use hdrhistogram::Histogram;
use serde::Serialize;

/// Latencies recorded by one worker, in microseconds.
#[derive(Debug, Clone)]
pub struct Recorder {
    histogram: Histogram<u64>,
    /// Completed requests (answered OK).
    pub ok: u64,
    /// Requests that failed (any non-OK status or transport error).
    pub errors: u64,
    /// The first error seen, to show what went wrong.
    pub first_error: Option<String>,
}

impl Default for Recorder {
    fn default() -> Self {
        Self {
            // 1 µs .. 60 s at 3 significant digits; the bounds are constants, so this
            // cannot fail.
            histogram: Histogram::new_with_bounds(1, 60_000_000, 3)
                .unwrap_or_else(|_| unreachable!("valid histogram bounds")),
            ok: 0,
            errors: 0,
            first_error: None,
        }
    }
}

impl Recorder {
    /// Records one answered request.
    pub fn success(&mut self, latency: Duration) {
        self.ok += 1;
        self.histogram
            .saturating_record(latency.as_micros().min(u128::from(u64::MAX)) as u64);
    }

    /// Records one failed request.
    pub fn failure(&mut self, error: impl FnOnce() -> String) {
        self.errors += 1;
        if self.first_error.is_none() {
            self.first_error = Some(error());
        }
    }

    /// Adds `other`'s samples and counts to this one.
    pub fn merge(&mut self, other: &Recorder) {
        // Same bounds on both sides, so adding cannot fail.
        let _ = self.histogram.add(&other.histogram);
        self.ok += other.ok;
        self.errors += other.errors;
        if self.first_error.is_none() {
            self.first_error.clone_from(&other.first_error);
        }
    }

    /// Latency at `quantile` (0–1), in milliseconds.
    pub fn quantile_ms(&self, quantile: f64) -> f64 {
        self.histogram.value_at_quantile(quantile) as f64 / 1000.0
    }

    /// Largest latency, in milliseconds.
    pub fn max_ms(&self) -> f64 {
        self.histogram.max() as f64 / 1000.0
    }
}

/// Resident memory of a process, from `/proc/PID/status`.
#[derive(Debug, Clone, Copy, Default, Serialize, PartialEq, Eq)]
pub struct Memory {
    /// Current resident set size (VmRSS), in KiB.
    pub rss_kib: u64,
    /// Peak resident set size (VmHWM), in KiB.
    pub peak_rss_kib: u64,
}

impl Memory {
    /// Memory of `pid`, or `None` when its status cannot be read (not Linux, or gone).
    pub fn of(pid: u32) -> Option<Self> {
        let (rss_kib, peak_rss_kib) = proc_files::memory_kib(pid)?;
        Some(Self {
            rss_kib,
            peak_rss_kib,
        })
    }

    /// Summed over `pids` (a server made of several processes); `None` if any is unreadable.
    pub fn total(pids: &[u32]) -> Option<Self> {
        pids.iter().try_fold(Self::default(), |sum, pid| {
            let memory = Self::of(*pid)?;
            Some(Self {
                rss_kib: sum.rss_kib + memory.rss_kib,
                peak_rss_kib: sum.peak_rss_kib + memory.peak_rss_kib,
            })
        })
    }
}

/// CPU time (user + system) used so far by `pids` together, in seconds, from
/// `/proc/PID/stat`; `None` if any is unreadable. On a machine shared with other work this is
/// the fair measure of cost: requests per CPU-second do not depend on how much of the
/// machine the server happened to get.
pub fn cpu_seconds(pids: &[u32]) -> Option<f64> {
    pids.iter()
        .try_fold(0.0, |sum, pid| Some(sum + proc_files::cpu_seconds(*pid)?))
}

/// The whole machine's CPU time so far, all cores together, from `/proc/stat`: how much of
/// it the hypervisor gave to other machines (steal), to tell a busy host from a slow server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MachineTime {
    /// Ticks stolen by the hypervisor.
    pub steal: u64,
    /// All ticks: user, nice, system, idle, iowait, irq, softirq and steal.
    pub total: u64,
}

impl MachineTime {
    /// The machine's CPU time now, or `None` when `/proc/stat` cannot be read.
    pub fn now() -> Option<Self> {
        let (steal, total) = proc_files::machine_ticks()?;
        Some(Self { steal, total })
    }

    /// The share of the CPU time since `earlier` that was stolen, in percent; `None` when no
    /// tick has passed.
    pub fn steal_percent_since(&self, earlier: &Self) -> Option<f64> {
        let total = self.total.checked_sub(earlier.total).filter(|t| *t > 0)?;
        let steal = self.steal.saturating_sub(earlier.steal);
        Some(100.0 * steal as f64 / total as f64)
    }
}

/// What is read from `/proc`, with the `procfs` crate. Only Linux has it: elsewhere every
/// reading is `None`, and the figures that need one are left out of the report.
#[cfg(target_os = "linux")]
mod proc_files {
    use procfs::process::Process;
    use procfs::CurrentSI;

    fn process(pid: u32) -> Option<Process> {
        Process::new(i32::try_from(pid).ok()?).ok()
    }

    /// Current and peak resident set size (VmRSS, VmHWM) of `pid`, in KiB.
    pub fn memory_kib(pid: u32) -> Option<(u64, u64)> {
        let status = process(pid)?.status().ok()?;
        Some((status.vmrss?, status.vmhwm?))
    }

    /// User + system CPU time of `pid` so far, in seconds.
    pub fn cpu_seconds(pid: u32) -> Option<f64> {
        let stat = process(pid)?.stat().ok()?;
        Some((stat.utime + stat.stime) as f64 / procfs::ticks_per_second() as f64)
    }

    /// The machine's stolen ticks and all its ticks so far (user, nice, system, idle, iowait,
    /// irq, softirq and steal), all cores together.
    pub fn machine_ticks() -> Option<(u64, u64)> {
        let cpu = procfs::KernelStats::current().ok()?.total;
        let steal = cpu.steal.unwrap_or(0);
        let optional = [cpu.iowait, cpu.irq, cpu.softirq]
            .iter()
            .map(|ticks| ticks.unwrap_or(0))
            .sum::<u64>();
        Some((
            steal,
            cpu.user + cpu.nice + cpu.system + cpu.idle + optional + steal,
        ))
    }
}

/// No `/proc` outside Linux: nothing can be read.
#[cfg(not(target_os = "linux"))]
mod proc_files {
    pub fn memory_kib(_pid: u32) -> Option<(u64, u64)> {
        None
    }

    pub fn cpu_seconds(_pid: u32) -> Option<f64> {
        None
    }

    pub fn machine_ticks() -> Option<(u64, u64)> {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merged_recorders_report_percentiles() {
        let mut a = Recorder::default();
        let mut b = Recorder::default();
        for ms in 1..=50 {
            a.success(Duration::from_millis(ms));
            b.success(Duration::from_millis(50 + ms));
        }
        b.failure(|| "boom".into());
        a.merge(&b);
        assert_eq!((a.ok, a.errors), (100, 1));
        assert!((a.quantile_ms(0.5) - 50.0).abs() < 0.1);
        assert!((a.max_ms() - 100.0).abs() < 0.1);
        assert_eq!(a.first_error.as_deref(), Some("boom"));
    }

    #[test]
    #[cfg(target_os = "linux")]
    fn reads_own_cpu_time() {
        let busy = (0..20_000_000u64).fold(0u64, |a, b| a.wrapping_mul(31).wrapping_add(b));
        assert!(busy != 1);
        assert!(cpu_seconds(&[std::process::id()]).is_some_and(|s| s > 0.0));
    }

    #[test]
    #[cfg(target_os = "linux")]
    fn reads_the_machines_ticks() {
        let now = MachineTime::now().expect("/proc/stat");
        assert!(now.total > 0 && now.steal <= now.total);
    }

    #[test]
    fn steal_is_a_share_of_the_ticks_between_two_readings() {
        let earlier = MachineTime {
            steal: 10,
            total: 1_000,
        };
        let later = MachineTime {
            steal: 60,
            total: 2_000,
        };
        assert_eq!(later.steal_percent_since(&earlier), Some(5.0));
        assert_eq!(earlier.steal_percent_since(&earlier), None);
    }

    #[test]
    #[cfg(target_os = "linux")]
    fn reads_own_memory() {
        let memory = Memory::total(&[std::process::id()]).expect("own /proc status");
        assert!(memory.rss_kib > 0 && memory.peak_rss_kib >= memory.rss_kib);
    }
}
