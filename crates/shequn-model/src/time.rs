use chrono::{DateTime, FixedOffset, NaiveDateTime, Offset, TimeZone, Utc};
use serde::{Deserialize, Serialize};

/// A moment as the source stated it: an absolute instant plus the UTC offset
/// the source used, so reports can show the operator's own clock time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default)]
pub struct Stamp {
    /// Milliseconds since the Unix epoch (UTC).
    pub unix_ms: i64,
    /// The offset from UTC, in seconds, of the clock the source showed.
    pub offset_s: i32,
    /// True when the source gave no zone and the parser assumed one.
    pub zone_inferred: bool,
}

impl Stamp {
    /// A stamp from an absolute time the source gave with its zone.
    pub fn from_datetime<Tz: TimeZone>(dt: &DateTime<Tz>) -> Stamp {
        Stamp { unix_ms: dt.timestamp_millis(), offset_s: dt.offset().fix().local_minus_utc(), zone_inferred: false }
    }

    /// A stamp from a Unix time in milliseconds (UTC, zone known).
    pub fn from_unix_ms(unix_ms: i64) -> Stamp {
        Stamp { unix_ms, offset_s: 0, zone_inferred: false }
    }

    /// A local wall-clock time read in an assumed zone: marked as inferred.
    pub fn from_local_assumed(local: NaiveDateTime, zone: FixedOffset) -> Stamp {
        let unix_ms = local.and_utc().timestamp_millis() - i64::from(zone.local_minus_utc()) * 1000;
        Stamp { unix_ms, offset_s: zone.local_minus_utc(), zone_inferred: true }
    }

    /// A local wall-clock time whose zone the source stated.
    pub fn from_local_known(local: NaiveDateTime, zone: FixedOffset) -> Stamp {
        Stamp { zone_inferred: false, ..Stamp::from_local_assumed(local, zone) }
    }

    /// The instant as a zoned date-time in the source's own offset.
    pub fn to_datetime(&self) -> DateTime<FixedOffset> {
        let offset = FixedOffset::east_opt(self.offset_s).unwrap_or(FixedOffset::east_opt(0).unwrap());
        Utc.timestamp_millis_opt(self.unix_ms).single().unwrap_or_default().with_timezone(&offset)
    }

    /// RFC 3339 text in the source's own offset.
    pub fn to_rfc3339(&self) -> String {
        self.to_datetime().to_rfc3339()
    }
}

/// RFC 3339 text for a Unix time in milliseconds, in UTC.
pub fn rfc3339_utc(unix_ms: i64) -> String {
    Utc.timestamp_millis_opt(unix_ms).single().unwrap_or_default().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    #[test]
    fn assumed_zone_shifts_to_utc_and_is_flagged() {
        let local = NaiveDate::from_ymd_opt(2017, 1, 1).unwrap().and_hms_opt(8, 0, 0).unwrap();
        let s = Stamp::from_local_assumed(local, FixedOffset::east_opt(8 * 3600).unwrap());
        assert!(s.zone_inferred);
        assert_eq!(rfc3339_utc(s.unix_ms), "2017-01-01T00:00:00Z");
        assert_eq!(s.to_rfc3339(), "2017-01-01T08:00:00+08:00");
    }
}
