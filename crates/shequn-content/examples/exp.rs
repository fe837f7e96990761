use shequn_content::labelled::*;
use shequn_content::training::*;
use shequn_content::ads::*;
use shequn_content::normalize::normalize;
use std::path::Path;
fn f1(m: &shequn_content::model::LinearModel, rows: &[Labelled]) -> String {
    let k: f32 = std::env::args().nth(4).map(|a| a.parse().unwrap()).unwrap_or(1.0); let d = AdSettings::default(); let z = AdSettings { contact_weight: d.contact_weight * k, promotion_weight: d.promotion_weight * k, link_weight: d.link_weight * k, money_weight: d.money_weight * k, ..d };
    let (mut tp, mut fp, mut fn_) = (0f64, 0f64, 0f64);
    for r in rows { let ad = classify_with(m, &normalize(&r.text), AdContext::default(), &z).ad; if ad && r.spam { tp += 1.0 } else if ad { fp += 1.0 } else if r.spam { fn_ += 1.0 } }
    let p = tp / (tp + fp); let rc = tp / (tp + fn_); format!("P {:.3} R {:.3} F1 {:.3}", p, rc, 2.0 * p * rc / (p + rc))
}
fn main() {
    let c = Path::new("../shared/corpus");
    let s1 = read(&c.join("cn-sms-spam/data/sample1.csv"), LabelledFormat::CnSms).unwrap();
    let s2 = read(&c.join("cn-sms-spam/data/sample2.csv"), LabelledFormat::CnSms).unwrap();
    let tg = read(&c.join("cn-tg-spam-markivory/ml/data/tg-spam/train.csv"), LabelledFormat::CnTg).unwrap();
    let uci = read(&c.join("uci-sms-spam/SMSSpamCollection"), LabelledFormat::Uci).unwrap();
    let tgs = read(&c.join("tg-spam/data"), LabelledFormat::TgSpam).unwrap();
    let fbs = read(&c.join("fbs-sms-cn"), LabelledFormat::Fbs).unwrap();
    let (tgtr, tgte): (Vec<_>, Vec<_>) = tg.into_iter().partition(|r| !in_held_out_fifth(&r.text));
    let (utr, ute): (Vec<_>, Vec<_>) = uci.into_iter().partition(|r| !in_held_out_fifth(&r.text));
    let arg: Vec<String> = std::env::args().collect();
    let epochs: usize = arg[1].parse().unwrap(); let lr: f32 = arg[2].parse().unwrap(); let fbsn: usize = arg[3].parse().unwrap();
    let st = TrainSettings { epochs, learning_rate: lr, ..TrainSettings::default() };
    let m = train(&s1, &st); println!("sms only: sms {}", f1(&m, &s2));
    let mut all = s1.clone(); all.extend(tgtr.clone()); all.extend(utr.clone()); all.extend(tgs.clone()); all.extend(fbs.iter().take(fbsn).cloned());
    let m = train(&all, &st); println!("all(fbs {fbsn}): sms {} | tg {} | uci {}", f1(&m, &s2), f1(&m, &tgte), f1(&m, &ute));
}
