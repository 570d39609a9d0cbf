//! A request's deadline: the caller's `grpc-timeout`, counted from when the request arrived.
//! Admission checks it before work starts and while it waits for a worker; the status
//! rewrite layer answers DEADLINE_EXCEEDED from the same header.

use std::time::{Duration, Instant};

use tonic::metadata::MetadataMap;

use super::ServiceError;

/// When a request must be answered by, taken from its `grpc-timeout` header.
#[derive(Debug, Clone, Copy)]
pub struct Deadline {
    arrived: Instant,
    /// The instant the answer is due by; `None` = no deadline.
    pub(super) at: Option<Instant>,
}

impl Deadline {
    /// The deadline of a request with `metadata`, starting now.
    pub fn from_metadata(metadata: &MetadataMap) -> Self {
        let arrived = Instant::now();
        let timeout = metadata
            .get("grpc-timeout")
            .and_then(|v| v.to_str().ok())
            .and_then(parse_grpc_timeout);
        Self {
            arrived,
            at: timeout.and_then(|t| arrived.checked_add(t)),
        }
    }

    /// No deadline.
    pub fn none() -> Self {
        Self {
            arrived: Instant::now(),
            at: None,
        }
    }

    /// `DeadlineExceeded` if the deadline has passed.
    pub(super) fn check(&self) -> Result<(), ServiceError> {
        match self.at {
            Some(at) if Instant::now() >= at => Err(self.exceeded()),
            _ => Ok(()),
        }
    }

    /// The error of a request whose deadline has passed.
    pub(super) fn exceeded(&self) -> ServiceError {
        ServiceError::DeadlineExceeded {
            waited_ms: self.arrived.elapsed().as_millis() as u64,
        }
    }
}

/// Parses a `grpc-timeout` value: up to 8 digits and a unit (H, M, S, m, u, n).
pub fn parse_grpc_timeout(value: &str) -> Option<Duration> {
    let (digits, unit) = value.split_at(value.len().checked_sub(1)?);
    if digits.is_empty() || digits.len() > 8 {
        return None;
    }
    let amount: u64 = digits.parse().ok()?;
    Some(match unit {
        "H" => Duration::from_secs(amount * 3600),
        "M" => Duration::from_secs(amount * 60),
        "S" => Duration::from_secs(amount),
        "m" => Duration::from_millis(amount),
        "u" => Duration::from_micros(amount),
        "n" => Duration::from_nanos(amount),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grpc_timeouts_parse_every_unit() {
        assert_eq!(parse_grpc_timeout("2S"), Some(Duration::from_secs(2)));
        assert_eq!(parse_grpc_timeout("150m"), Some(Duration::from_millis(150)));
        assert_eq!(parse_grpc_timeout("1H"), Some(Duration::from_secs(3600)));
        assert_eq!(parse_grpc_timeout("7n"), Some(Duration::from_nanos(7)));
        assert_eq!(parse_grpc_timeout("123456789S"), None);
        assert_eq!(parse_grpc_timeout("S"), None);
        assert_eq!(parse_grpc_timeout("5x"), None);
        assert_eq!(parse_grpc_timeout(""), None);
    }
}
