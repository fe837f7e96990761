//! Every threshold of the diagnosis, named, with the METHOD.md section it comes
//! from. Defaults are starting points; a TOML file overrides any of them and the
//! report prints the values it used.

use serde::{Deserialize, Serialize};

/// The diagnosis thresholds. Read from TOML with [`Settings::from_toml`].
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    /// §1: member messages on at least this many distinct days of the last `status_window_days` = alive.
    pub alive_days: u32,
    /// §1: the window the alive/dormant test counts days in. A group whose sources cover
    /// fewer days before as-of (or fewer than `dead_after_days`, if longer) is flagged
    /// `insufficient_coverage`: no dormant/dead verdict, no migrate or dissolve.
    pub status_window_days: u32,
    /// §1: no member message for this many days = dead.
    pub dead_after_days: u32,
    /// §1: declining when human messages of the last `declining_weeks` weeks are below this share of the weeks before.
    pub declining_ratio: f64,
    /// §1: the length of each of the two compared spans, in weeks.
    pub declining_weeks: u32,
    /// §1: the earlier span needs at least this many human messages before a drop counts (noise guard).
    pub declining_min_before: u32,
    /// §1: a group that died within this many days of creation counts as an early death.
    pub early_death_days: u32,
    /// §1: temporary group: at least this share of human messages…
    pub temporary_share: f64,
    /// §1: …within one span of at most this many days.
    pub temporary_span_days: u32,
    /// §1: a group needs this many human messages before the temporary test applies.
    pub temporary_min_messages: u32,
    /// §3: roles, key people and the network are computed over this window.
    pub roles_window_days: u32,
    /// §3: a message of at least this many characters is substantive (CJK characters count double).
    pub substantive_min_chars: u32,
    /// §3: a thinker's discussion draws replies from at least this many distinct others.
    pub thinker_min_repliers: u32,
    /// §3: a critic's score (substantive replies, disagreement counted twice) reaches this.
    pub critic_min_score: u32,
    /// §3: an onlooker sends at most this many messages in the window…
    pub onlooker_max_messages: u32,
    /// §3: …or at least this share of them are short reactions or questions.
    pub onlooker_short_share: f64,
    /// §3: a sender with at least this share of ad-labelled messages is an advertiser.
    pub advertiser_min_ad_share: f64,
    /// §3: flag a group whose silent share exceeds this.
    pub silent_flag_share: f64,
    /// §4: key people take part in at least this share of member↔member interactions.
    pub key_share: f64,
    /// §4: at most this many key people.
    pub key_cap: u32,
    /// §4: how many of the most active people the ranking beside the key set lists.
    pub key_ranking: u32,
    /// §4: fewer key people than this = fragile group.
    pub fragile_below: u32,
    /// §4: a key person silent this many days after being active is lost.
    pub key_loss_silent_days: u32,
    /// §4: "active for months": at least this many days between their first and last message.
    pub key_loss_min_active_days: u32,
    /// §5/§6: inferred reply links below this confidence are ignored.
    pub min_link_confidence: f32,
    /// §6: hub-and-spoke when Freeman degree centralization reaches this…
    pub hub_centralization: f64,
    /// §6: …or when this share of interactions touch an operator.
    pub hub_operator_share: f64,
    /// §6: the structure verdict needs at least this many interactions (else unknown).
    pub network_min_interactions: u32,
    /// §6: a mesh needs this share of the connected people in one connected part; below it
    /// the graph is scattered pairs (fragmented), however low its centralization.
    pub mesh_min_component_share: f64,
    /// §2: formation: operator share of human messages at least this.
    pub formation_operator_share: f64,
    /// §2: assimilation: member↔member interactions at least this share.
    pub assimilation_mm_share: f64,
    /// §2: assimilation: at least this many non-operator key people.
    pub assimilation_key_people: u32,
    /// §2/§9: assimilation: emotional expression share at least this.
    pub assimilation_emotion_share: f64,
    /// §2: collaboration: assimilation signals held this many weeks…
    pub collaboration_weeks: u32,
    /// §2: …plus at least this many cooperation messages in the window.
    pub collaboration_min_coop: u32,
    /// §2: …and at least this share of the window's human messages (a count alone lets
    /// "my project" in a busy help room read as collaboration).
    pub collaboration_min_coop_share: f64,
    /// §2: a regular is a member (not an operator) who speaks in at least this many distinct
    /// weeks of the stage window (the stable core of a group: people who come back, not
    /// passers-by).
    pub core_min_weeks: u32,
    /// §2: collaboration through a stable core: at least this many regulars…
    pub collaboration_core_people: u32,
    /// §2: …who write at least this share of the window's human messages, with cooperation
    /// messages at `collaboration_core_min_coop_share`. A working group whose members plan and
    /// build together (seed 000: 成员之间已经促成了多起合作) need not be emotional; a help desk or
    /// an open lobby is carried by passers-by.
    pub collaboration_core_share: f64,
    /// §2: the cooperation-message share a stable core needs (at least `collaboration_min_coop`).
    pub collaboration_core_min_coop_share: f64,
    /// §2: formation signal: regulars write less than this share of the human messages (most of
    /// the talk is strangers passing through, seed 000's 陌生人).
    pub formation_core_share: f64,
    /// §7: a sender with at least this share of push-labelled messages is treated as a bot.
    pub push_sender_share: f64,
    /// §7: broadcast-only: pushes at least this share of messages…
    pub broadcast_push_share: f64,
    /// §7: …and at most this share of pushes drew a human reply.
    pub broadcast_response_rate: f64,
    /// §7: a push "drew a reply" when one came within this many minutes.
    pub push_reply_minutes: u32,
    /// §10: a burst: at least this many ad or push messages…
    pub burst_min_messages: u32,
    /// §10: …within this many minutes.
    pub burst_window_minutes: u32,
    /// §10: leaves counted within this many hours after a burst.
    pub leave_spike_hours: u32,
    /// §10: a spike has at least this many leaves and this multiple of the usual rate.
    pub leave_spike_min: u32,
    pub leave_spike_factor: f64,
    /// §11: clean ads when ads are at least this share of human messages in the window.
    pub clean_ads_share: f64,
    /// §11: respond when at least this share of bids went unanswered (from the reply analysis).
    pub respond_unanswered_rate: f64,
    /// §11: split a group with at least this many known members…
    pub split_min_members: u32,
    /// §11: …of whom at most this share spoke in the window.
    pub split_speaking_ratio: f64,
    /// §11: the migration list takes members who spoke within this many days.
    pub migrate_recent_days: u32,
    /// §11: a forming group gets `boost` when value was posted on fewer than this many of
    /// the last 28 days (seed 000: deliver free-ride value daily).
    pub boost_value_days: u32,
    /// §11: a dormant group is migrated only after this many weeks in a row dormant
    /// (#duraspace's holiday month was dormant and the channel ran 18 more months).
    pub dormant_weeks_before_migrating: u32,
    /// §11: migrate (rather than dissolve) when at least this many members spoke recently.
    pub migrate_min_members: u32,
    /// §0: operators by name or platform id, beside the platform's owner/admin roles.
    pub operators: Vec<String>,
    /// §0: bots by name (case-insensitive; a trailing `*` matches any suffix) or platform id,
    /// beside the platform's bot flag. Default: the known bridges and loggers
    /// (`shequn_model::DEFAULT_BOTS`); a list given in a settings file replaces it.
    pub bots: Vec<String>,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            alive_days: 4,
            status_window_days: 30,
            dead_after_days: 30,
            declining_ratio: 0.5,
            declining_weeks: 4,
            declining_min_before: 10,
            early_death_days: 90,
            temporary_share: 0.8,
            temporary_span_days: 14,
            temporary_min_messages: 20,
            roles_window_days: 90,
            substantive_min_chars: 20,
            thinker_min_repliers: 2,
            critic_min_score: 3,
            onlooker_max_messages: 10,
            onlooker_short_share: 0.6,
            advertiser_min_ad_share: 0.5,
            silent_flag_share: 0.8,
            key_share: 0.5,
            key_cap: 10,
            key_ranking: 5,
            fragile_below: 4,
            key_loss_silent_days: 14,
            key_loss_min_active_days: 60,
            min_link_confidence: 0.3,
            hub_centralization: 0.6,
            hub_operator_share: 0.6,
            network_min_interactions: 10,
            mesh_min_component_share: 0.5,
            formation_operator_share: 0.5,
            assimilation_mm_share: 0.3,
            assimilation_key_people: 4,
            assimilation_emotion_share: 0.2,
            collaboration_weeks: 8,
            collaboration_min_coop: 3,
            collaboration_min_coop_share: 0.02,
            core_min_weeks: 4,
            collaboration_core_people: 4,
            collaboration_core_share: 0.8,
            collaboration_core_min_coop_share: 0.02,
            formation_core_share: 0.5,
            push_sender_share: 0.5,
            broadcast_push_share: 0.5,
            broadcast_response_rate: 0.05,
            push_reply_minutes: 120,
            burst_min_messages: 3,
            burst_window_minutes: 60,
            leave_spike_hours: 48,
            leave_spike_min: 2,
            leave_spike_factor: 3.0,
            clean_ads_share: 0.1,
            respond_unanswered_rate: 0.3,
            split_min_members: 200,
            split_speaking_ratio: 0.05,
            migrate_recent_days: 60,
            boost_value_days: 8,
            dormant_weeks_before_migrating: 4,
            migrate_min_members: 3,
            operators: Vec::new(),
            bots: shequn_model::DEFAULT_BOTS.iter().map(|b| b.to_string()).collect(),
        }
    }
}

impl Settings {
    /// Reads settings from TOML text; keys not given keep their defaults.
    pub fn from_toml(text: &str) -> Result<Settings, toml::de::Error> {
        toml::from_str(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn toml_overrides_only_the_keys_given() {
        let s = Settings::from_toml("alive_days = 6\noperators = [\"ann\"]\n").unwrap();
        assert_eq!(s.alive_days, 6);
        assert_eq!(s.operators, vec!["ann".to_string()]);
        assert_eq!(s.dead_after_days, Settings::default().dead_after_days);
    }

    #[test]
    fn toml_rejects_wrong_types() {
        assert!(Settings::from_toml("alive_days = \"four\"").is_err());
    }
}
