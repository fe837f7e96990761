//! The real QQ excerpt's 刷单 recruitment message is an ad, with its reasons.

use shequn_content::ads::{classify, AdContext, AdFeatureKind, AdSettings};

#[test]
fn qq_brushing_recruitment_is_an_ad_with_reasons() {
    let path = shequn_corpus::require!("cn-formats/qq_classic_group_txt_excerpt_anonymised.txt");
    let text = std::fs::read_to_string(path).unwrap();
    let line = text.lines().find(|l| l.starts_with("元旦快乐！我亲爱的校友们")).expect("the message is in the excerpt");
    let v = classify(line, AdContext::default(), &AdSettings::default());
    assert!(v.ad, "{v:?}");
    let kinds: Vec<AdFeatureKind> = v.features.iter().map(|f| f.kind).collect();
    assert!(kinds.contains(&AdFeatureKind::Contact), "{v:?}");
    assert!(kinds.contains(&AdFeatureKind::Promotion), "{v:?}");
    let contact = v.features.iter().find(|f| f.kind == AdFeatureKind::Contact).unwrap();
    assert!(contact.detail.contains("943265666"), "{}", contact.detail);
    let promo = v.features.iter().find(|f| f.kind == AdFeatureKind::Promotion).unwrap();
    assert!(promo.detail.contains("刷下单") && promo.detail.contains("一单一结"), "{}", promo.detail);
    println!("{}", serde_json::to_string_pretty(&v).unwrap());
}

#[test]
fn ordinary_chat_from_the_excerpt_is_not_an_ad() {
    for text in ["好运2017，大家加油", "新年快乐，祝大家身体健康"] {
        let v = classify(text, AdContext::default(), &AdSettings::default());
        assert!(!v.ad, "{text}: {v:?}");
    }
}
