//! Peak memory per stage on Linux: the kernel keeps a high-water mark of the
//! resident set (VmHWM) that writing "5" to /proc/self/clear_refs resets.

/// Resets the peak-RSS mark to the current RSS. False where the kernel does not allow it
/// (not Linux, or a kernel before 4.0): peaks then include everything before the stage.
pub fn reset_peak() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

/// This process's peak resident set since the last reset, in kB.
pub fn peak_kb() -> Option<u64> {
    parse_vm_hwm(&std::fs::read_to_string("/proc/self/status").ok()?)
}

/// CPU seconds (user + system, all threads) this process has used so far, from /proc/self/stat.
/// On a shared machine this, not the wall clock, says what a stage costs.
pub fn cpu_seconds() -> Option<f64> {
    parse_cpu_ticks(&std::fs::read_to_string("/proc/self/stat").ok()?).map(|t| t as f64 / TICKS_PER_SECOND)
}

/// Linux reports times in USER_HZ, fixed at 100 for user space on every architecture shequn runs on.
const TICKS_PER_SECOND: f64 = 100.0;

/// utime + stime (fields 14 and 15) of a /proc/PID/stat line. The command name
/// (field 2) is in parentheses and may hold spaces, so fields are counted after its `)`.
pub fn parse_cpu_ticks(stat: &str) -> Option<u64> {
    let rest = &stat[stat.rfind(')')? + 1..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // After ")" come field 3 (state) onwards: utime is field 14 → index 11.
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some(utime + stime)
}

/// Reads the `VmHWM:` line of a /proc/PID/status text (value in kB).
pub fn parse_vm_hwm(status: &str) -> Option<u64> {
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let mut words = line["VmHWM:".len()..].split_whitespace();
    let value: u64 = words.next()?.parse().ok()?;
    match words.next() {
        Some("kB") | None => Some(value),
        Some("mB") | Some("MB") => Some(value * 1024),
        Some(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::{parse_cpu_ticks, parse_vm_hwm};

    #[test]
    fn reads_the_high_water_mark_not_other_lines() {
        let status = "Name:\tshequn\nVmPeak:\t  3060 kB\nVmHWM:\t   13540 kB\nVmRSS:\t    1672 kB\n";
        assert_eq!(parse_vm_hwm(status), Some(13540));
    }

    #[test]
    fn missing_or_garbled_line_is_none() {
        assert_eq!(parse_vm_hwm("VmRSS:\t1672 kB\n"), None);
        assert_eq!(parse_vm_hwm("VmHWM:\tlots kB\n"), None);
        assert_eq!(parse_vm_hwm("VmHWM:\t12 pages\n"), None);
    }

    #[test]
    fn cpu_ticks_skip_a_command_name_with_spaces() {
        let stat = "4242 (my (odd) prog) R 1 2 3 4 5 6 7 8 9 10 250 30 0 0 20 0 3 0 100 0 0";
        assert_eq!(parse_cpu_ticks(stat), Some(280));
        assert_eq!(parse_cpu_ticks("4242 (x) R 1 2"), None);
    }

    #[test]
    fn this_process_has_a_peak() {
        // On Linux the mark exists and is at least the current resident set's order of magnitude.
        if std::path::Path::new("/proc/self/status").exists() {
            assert!(super::peak_kb().is_some_and(|kb| kb > 100));
        }
    }
}
