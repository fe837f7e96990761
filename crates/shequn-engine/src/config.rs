//! What a run of the analyses reads besides the timeline: every threshold and the ad
//! policies, parsed from text the caller read (this crate does no I/O).

use shequn_content::{ContentSettings, PolicyBook};
use shequn_diagnosis::Settings;
use shequn_replies::{ReplySettings, ResponsivenessSettings};
use shequn_survival::SurvivalSettings;

/// Everything a run of the analyses reads besides the timeline. The `--config` file holds
/// the diagnosis thresholds at the top level and the other analyses' in `[content]`,
/// `[replies]`, `[responsiveness]` and `[survival]` tables; every key is optional.
#[derive(Clone, Default)]
pub struct AnalysisConfig {
    pub settings: Settings,
    pub content: ContentSettings,
    pub replies: ReplySettings,
    pub responsiveness: ResponsivenessSettings,
    pub ad_policies: PolicyBook,
    /// The early warning's settings (`[survival]`).
    pub survival: SurvivalSettings,
    /// Weights for the early warning other than the compiled-in ones (`eval survival --weights`).
    pub survival_weights: Option<std::sync::Arc<shequn_survival::SurvivalWeights>>,
}

impl AnalysisConfig {
    /// Parses a settings file: diagnosis keys at the top, each other analysis in its table.
    pub fn from_toml(text: &str) -> Result<AnalysisConfig, String> {
        let mut table: toml::Table = toml::from_str(text).map_err(|e| e.to_string())?;
        // `[limits]` bounds what `import` reads (shequn_ingest::Limits), not an analysis.
        table.remove("limits");
        fn section<T: serde::de::DeserializeOwned + Default>(t: &mut toml::Table, name: &str) -> Result<T, String> {
            match t.remove(name) {
                None => Ok(T::default()),
                Some(v) => v.try_into().map_err(|e: toml::de::Error| format!("[{name}]: {e}")),
            }
        }
        let content = section(&mut table, "content")?;
        let replies = section(&mut table, "replies")?;
        let responsiveness = section(&mut table, "responsiveness")?;
        let survival: SurvivalSettings = section(&mut table, "survival")?;
        survival.validate()?;
        let rest = toml::to_string(&table).map_err(|e| e.to_string())?;
        let settings = Settings::from_toml(&rest).map_err(|e| e.to_string())?;
        Ok(AnalysisConfig {
            settings,
            content,
            replies,
            responsiveness,
            ad_policies: PolicyBook::default(),
            survival,
            survival_weights: None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_settings_file_reaches_every_analysis() {
        let text = "alive_days = 6\n[content]\nchat_prior_log_odds = 1.5\n[content.push]\nmin_posts = 9\n\
                    [responsiveness]\nstarter_min_chars = 7\n[replies]\nwindow = 12\n";
        let c = AnalysisConfig::from_toml(text).unwrap();
        assert_eq!(c.settings.alive_days, 6);
        assert_eq!(c.content.chat_prior_log_odds, 1.5);
        assert_eq!(c.content.push.min_posts, 9);
        assert_eq!(c.content.value.min_chars, ContentSettings::default().value.min_chars);
        assert_eq!(c.responsiveness.starter_min_chars, 7);
        assert_eq!(c.replies.window, 12);
        // A wrong type names its table.
        let Err(err) = AnalysisConfig::from_toml("[responsiveness]\nstarter_min_chars = \"x\"\n") else {
            panic!("a string where a number belongs must fail")
        };
        assert!(err.contains("[responsiveness]"), "{err}");
        // A misspelt name is an error that names it, never silently ignored.
        let Err(err) = AnalysisConfig::from_toml("[content]\nchat_prior = 2.0\n") else {
            panic!("an unknown key must fail")
        };
        assert!(err.contains("chat_prior") && err.contains("chat_prior_log_odds"), "{err}");
        assert!(AnalysisConfig::from_toml("alive_dayz = 3\n").is_err());
        let c = AnalysisConfig::from_toml("[survival]\nobserve_days = 14\nhorizon_days = 60\n").unwrap();
        assert_eq!((c.survival.observe_days, c.survival.horizon_days), (14, 60));
        let err = AnalysisConfig::from_toml("[survival]\nhorizon_days = 10\n").err().unwrap();
        assert!(err.contains("horizon_days"), "{err}");
        let err = AnalysisConfig::from_toml("[survival]\nhorizon = 10\n").err().unwrap();
        assert!(err.contains("[survival]") && err.contains("horizon"), "{err}");
    }
}
