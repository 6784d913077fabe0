//! The workbench in a real browser: headless Chromium driven through
//! ChromeDriver (WebDriver, via fantoccini) along the clerk's path — log
//! in, filter high tier, bulk approve, review a medium item with the
//! keyboard (pick candidate 2 with `2`, undo, approve), replace via search,
//! undo, a conflict, a hostile name, the downloads (3301 JSON and xlsx,
//! 记为已上传, 3302), and a HIS dictionary uploaded from the page with its
//! progress — asserting on the page and on the store.
//!
//! Needs `/usr/bin/chromium` and `/usr/bin/chromedriver` (Debian:
//! `apt-get install chromium chromium-driver`); fails with that advice when
//! they are missing, unless `MULU_SKIP_BROWSER=1`. With
//! `MULU_SCREENSHOTS=docs/workbench` it also writes PNGs of the main screens.

mod common;

use catalog_core::store::{Decision, MappingStatus};
use catalog_core::{Category, Store};
use common::{import, sample};
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;
use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const TOKEN: &str = "browser-test-token-zs";
const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const HOSTILE: &str =
    "<script>window.__pwned=1</script><b>粗体</b><img src=x onerror=\"window.__pwned=2\">";

/// Kills the driver (and with it its browser) when the test ends, pass or fail.
struct Driver(Child);
impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn tools_present() -> bool {
    if Path::new(CHROMIUM).exists() && Path::new(CHROMEDRIVER).exists() {
        return true;
    }
    if std::env::var("MULU_SKIP_BROWSER").as_deref() == Ok("1") {
        eprintln!("MULU_SKIP_BROWSER=1: browser test skipped");
        return false;
    }
    panic!(
        "浏览器测试需要 {CHROMIUM} 和 {CHROMEDRIVER}：请运行 `apt-get install chromium chromium-driver`，\
         或设置 MULU_SKIP_BROWSER=1 跳过 (the browser test needs chromium and chromedriver: \
         apt-get install chromium chromium-driver, or set MULU_SKIP_BROWSER=1)"
    );
}

fn start_driver() -> (Driver, u16) {
    let port = free_port();
    let child = Command::new(CHROMEDRIVER)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("starting chromedriver");
    let d = Driver(child);
    let t = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            t.elapsed() < Duration::from_secs(20),
            "chromedriver did not listen"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    (d, port)
}

/// The clerk's home: herbal catalogue; five high-tier suggestions, a
/// medium one, a weak one to replace, a hostile name, each targeting a row.
fn home() -> tempfile::TempDir {
    let home = tempfile::tempdir().unwrap();
    import(home.path(), &sample("herbal.csv"), Category::Herbal, "h1");
    std::fs::write(
        home.path().join("reviewers.json"),
        json!([{"name": "张三", "token": TOKEN, "role": "reviewer"}]).to_string(),
    )
    .unwrap();
    let mut s = Store::open_home(home.path()).unwrap();
    let rows: &[(&str, &str, &str, &str, &str)] = &[
        ("H01", "黄芪", "T001001001", "黄芪", "high"),
        ("H02", "党参", "T002001002", "党参", "high"),
        ("H03", "当归", "T003001003", "当归", "high"),
        ("H04", "白芍", "T004001004", "白芍", "high"),
        ("H05", "川芎", "T005001005", "川芎", "high"),
        ("M01", "白术(炒)", "T008001008", "白术", "medium"),
        ("L01", "茯苓块", "T010001010", "甘草", "low"),
        ("X01", HOSTILE, "T011001011", "人参", "low"),
    ];
    for (code, name, target, tname, tier) in rows {
        s.record_decision(&Decision {
            category: Some(Category::Herbal),
            hospital_code: (*code).into(),
            hospital_name: (*name).into(),
            target_code: Some((*target).into()),
            target_name: Some((*tname).into()),
            tier: Some((*tier).into()),
            score: Some(match *tier {
                "high" => 0.97,
                "medium" => 0.8,
                _ => 0.4,
            }),
            item: Some(json!({"name": name, "code": code, "unit": "克"})),
            ..Default::default()
        })
        .unwrap();
    }
    home
}

async fn wait_for<F: Fn(&str) -> bool>(c: &Client, css: &str, what: &str, ok: F) -> String {
    let t = Instant::now();
    let mut last = String::new();
    while t.elapsed() < Duration::from_secs(15) {
        if let Ok(e) = c.find(Locator::Css(css)).await {
            if let Ok(text) = e.text().await {
                if ok(&text) {
                    return text;
                }
                last = text;
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{css}: waited for {what}, last text {last:?}");
}

/// Keys to the page itself (not an input), as a clerk presses them.
async fn keys(c: &Client, k: &str) {
    c.execute(
        "if (document.activeElement) document.activeElement.blur();",
        vec![],
    )
    .await
    .unwrap();
    c.find(Locator::Css("body"))
        .await
        .unwrap()
        .send_keys(k)
        .await
        .unwrap();
}

async fn shot(c: &Client, name: &str) {
    let Ok(dir) = std::env::var("MULU_SCREENSHOTS") else {
        return;
    };
    let dir = common::root().join(dir);
    std::fs::create_dir_all(&dir).unwrap();
    let png = c.screenshot().await.unwrap();
    std::fs::write(dir.join(format!("{name}.png")), png).unwrap();
}

fn stored(home: &Path, code: &str) -> catalog_core::store::Mapping {
    let s = Store::open_home(home).unwrap();
    s.mappings(None, None)
        .unwrap()
        .into_iter()
        .find(|m| m.hospital_code == code)
        .unwrap()
}

#[test]
fn the_clerks_path_in_headless_chromium() {
    if !tools_present() {
        return;
    }
    let home = home();
    let server = mulu_server::spawn_local(
        home.path().to_path_buf(),
        "127.0.0.1:0".parse().unwrap(),
        mulu_server::Config::default(),
        2,
    )
    .unwrap();
    let (_driver, port) = start_driver();
    let base = format!("http://{}", server.addr);
    let downloads = tempfile::tempdir().unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let mut caps = serde_json::Map::new();
        caps.insert(
            "goog:chromeOptions".into(),
            json!({"binary": CHROMIUM, "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1366,768", "--lang=zh-CN"],
                   // Downloads land in the test's temporary directory.
                   "prefs": {"download.default_directory": downloads.path().display().to_string(), "download.prompt_for_download": false}}),
        );
        let c = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(caps)
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
            .expect("a WebDriver session");
        let outcome = clerk(&c, &base, home.path()).await;
        let _ = c.close().await;
        outcome
    });
    drop(server);
}

async fn clerk(c: &Client, base: &str, home: &Path) {
    c.goto(base).await.unwrap();
    wait_for(c, "#total", "the queue", |t| t == "共 8 条").await;

    // The hostile name is text: no script ran, no element was made of it.
    let pwned = c.execute("return window.__pwned === undefined && document.querySelectorAll('#rows b, #rows img, #rows script').length === 0;", vec![]).await.unwrap();
    assert_eq!(pwned, json!(true), "a hospital name became markup");
    let cell = wait_for(c, "#rows tr:last-child td.name", "the hostile row", |t| {
        t.contains("<script>")
    })
    .await;
    assert_eq!(cell, HOSTILE);

    // Log in once; the token is kept for the session.
    c.find(Locator::Id("token"))
        .await
        .unwrap()
        .send_keys(TOKEN)
        .await
        .unwrap();
    c.find(Locator::Id("login-btn"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for(c, "#who", "the reviewer's name", |t| t.contains("张三")).await;

    // Filter high tier, bulk approve with the count in the confirmation.
    c.find(Locator::Id("f-tier"))
        .await
        .unwrap()
        .select_by_value("high")
        .await
        .unwrap();
    wait_for(c, "#total", "5 high-tier rows", |t| t == "共 5 条").await;
    shot(c, "queue").await;
    c.find(Locator::Id("bulk-approve"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for(c, "#modal-text", "the confirmation", |t| t.contains("5 条")).await;
    c.find(Locator::Id("modal-ok"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for(c, "#msg", "the bulk report", |t| t.contains("已改 5 条")).await;
    for code in ["H01", "H02", "H03", "H04", "H05"] {
        let m = stored(home, code);
        assert_eq!(
            (m.status, m.reviewer.as_deref()),
            (MappingStatus::Approved, Some("张三")),
            "{code}"
        );
    }

    // A medium item, reviewed with the keyboard: j selects, a approves.
    c.find(Locator::Id("f-tier"))
        .await
        .unwrap()
        .select_by_value("medium")
        .await
        .unwrap();
    wait_for(c, "#total", "1 medium row", |t| t == "共 1 条").await;
    keys(c, "j").await;
    wait_for(c, "#item-title", "the item view", |t| {
        t.contains("白术(炒)")
    })
    .await;
    wait_for(c, "#compare", "candidates beside the HIS fields", |t| {
        t.contains("T008001008")
    })
    .await;
    shot(c, "item").await;
    // `1` picks the first candidate by the keyboard: the current target, so
    // it approves (another candidate would be a replacement by its code).
    let first = c
        .execute(
            "const b = document.querySelector('#compare button.pick[data-n=\"1\"]'); \
             return b ? b.parentElement.childNodes[1].textContent.trim().split(/[\\s（]/)[0] : null;",
            vec![],
        )
        .await
        .unwrap();
    let first = first
        .as_str()
        .expect("a first candidate for 白术(炒)")
        .to_string();
    keys(c, "1").await;
    wait_for(c, "#item-state", "the decision by key", |t| {
        t.contains("通过") || t.contains("替换")
    })
    .await;
    let m = stored(home, "M01");
    let expected = if first == "T008001008" {
        MappingStatus::Approved
    } else {
        MappingStatus::Replaced
    };
    assert_eq!(
        (m.status, m.target_code.as_deref()),
        (expected, Some(first.as_str()))
    );
    keys(c, "u").await;
    wait_for(c, "#item-state", "the undone state", |t| {
        t.contains("待审核")
    })
    .await;
    assert_eq!(stored(home, "M01").status, MappingStatus::Suggested);
    keys(c, "a").await;
    wait_for(c, "#msg", "the approval", |t| t.contains("通过")).await;
    assert_eq!(stored(home, "M01").status, MappingStatus::Approved);

    // A weak item: replace via the inline search, then undo.
    c.find(Locator::Id("f-tier"))
        .await
        .unwrap()
        .select_by_value("")
        .await
        .unwrap();
    let q = c.find(Locator::Id("f-q")).await.unwrap();
    q.send_keys("L01").await.unwrap();
    c.find(Locator::Id("f-apply"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for(c, "#total", "the one row", |t| t == "共 1 条").await;
    keys(c, "j").await;
    wait_for(c, "#item-title", "the weak item", |t| t.contains("茯苓块")).await;
    keys(c, "/").await;
    let focused = c
        .execute("return document.activeElement.id;", vec![])
        .await
        .unwrap();
    assert_eq!(focused, json!("search"), "/ focuses the search");
    c.active_element()
        .await
        .unwrap()
        .send_keys("茯苓\u{E007}")
        .await
        .unwrap();
    wait_for(c, "#search-results", "search results", |t| {
        t.contains("T009001009")
    })
    .await;
    let hit = c
        .find(Locator::XPath(
            "//ol[@id='search-results']/li[contains(., 'T009001009')]/button",
        ))
        .await
        .unwrap();
    hit.click().await.unwrap();
    wait_for(c, "#msg", "the replacement", |t| t.contains("T009001009")).await;
    let m = stored(home, "L01");
    assert_eq!(
        (m.status, m.target_code.as_deref(), m.target_name.as_deref()),
        (MappingStatus::Replaced, Some("T009001009"), Some("茯苓"))
    );
    wait_for(c, "#item-state", "the replaced state", |t| {
        t.contains("替换")
    })
    .await;
    keys(c, "u").await;
    wait_for(c, "#item-state", "the undone state", |t| {
        t.contains("待审核")
    })
    .await;
    let m = stored(home, "L01");
    assert_eq!(
        (m.status, m.target_code.as_deref()),
        (MappingStatus::Suggested, Some("T010001010"))
    );
    wait_for(c, "#history", "the history", |t| {
        t.contains("撤销") && t.contains("张三")
    })
    .await;

    // Someone else decides while the page shows the old revision: 409, said so.
    let mut s = Store::open_home(home).unwrap();
    let cur = s
        .mappings(None, None)
        .unwrap()
        .into_iter()
        .find(|m| m.hospital_code == "L01")
        .unwrap();
    mapping::decide(
        &mut s,
        &cur,
        &mapping::Request::new(mapping::Action::Flag, "李四"),
    )
    .unwrap();
    drop(s);
    keys(c, "r").await;
    let msg = wait_for(c, "#msg", "the conflict", |t| t.contains("冲突")).await;
    assert!(msg.contains("李四"), "{msg}");
    assert_eq!(
        stored(home, "L01").status,
        MappingStatus::Flagged,
        "the other decision stands"
    );

    // The dashboard and the 3301 export.
    c.find(Locator::Id("tab-dash"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for(c, "#progress", "the progress", |t| t.contains("已确认 6")).await;
    let bars = c.find_all(Locator::Css("#chart svg rect")).await.unwrap();
    assert!(bars.len() >= 3, "a chart was drawn");
    shot(c, "dashboard").await;
    let his_shown = c
        .find(Locator::Id("his-panel"))
        .await
        .unwrap()
        .is_displayed()
        .await
        .unwrap();
    assert!(!his_shown, "one tab's view at a time");
    let store = Store::open_home(home).unwrap();
    let rows = mapping::build_3301(&store, &mapping::ExportOptions::default())
        .unwrap()
        .rows
        .len();
    assert_eq!(rows, 6);
    drop(store);
    // The downloads: JSON batches and xlsx preview without recording.
    click(c, "export-3301").await;
    let info = wait_for(c, "#export-info", "the JSON download", |t| {
        t.contains("已下载 3301.json")
    })
    .await;
    assert!(info.contains(&format!("{rows} 行")), "{info}");
    click(c, "export-3301-xlsx").await;
    wait_for(c, "#export-info", "the xlsx download", |t| {
        t.contains("已下载 3301.xlsx") && t.contains(&format!("{rows} 行"))
    })
    .await;
    assert_eq!(Store::open_home(home).unwrap().last_upload().unwrap(), None);
    // 记为已上传 records the batch downloaded.
    click(c, "export-record").await;
    wait_for(c, "#modal-text", "the confirmation", |t| {
        t.contains("3301.xlsx")
    })
    .await;
    click(c, "modal-ok").await;
    wait_for(c, "#export-info", "the recorded batch", |t| {
        t.contains("已记为第 1 批")
    })
    .await;
    let batch = Store::open_home(home)
        .unwrap()
        .last_upload()
        .unwrap()
        .unwrap();
    assert_eq!((batch.kind.as_str(), batch.rows), ("3301", rows as i64));
    click(c, "export-3302").await;
    wait_for(c, "#export-info", "the 3302 download", |t| {
        t.contains("已下载 3302.json") && t.contains("0 行")
    })
    .await;

    // A HIS dictionary uploaded from the page: progress, then the queue grows.
    let dir = tempfile::tempdir().unwrap();
    let his = dir.path().join("his.csv");
    std::fs::write(
        &his,
        "院内编码,院内名称,单位\nU01,黄芪,克\nU02,党参,克\nU03,甘草,克\n",
    )
    .unwrap();
    click(c, "tab-his").await;
    c.find(Locator::Id("his-file"))
        .await
        .unwrap()
        .send_keys(&his.display().to_string())
        .await
        .unwrap();
    c.find(Locator::Id("his-kind"))
        .await
        .unwrap()
        .select_by_value("herbal")
        .await
        .unwrap();
    click(c, "his-upload").await;
    wait_for(c, "#his-phase", "the job to finish", |t| t == "完成").await;
    let summary = wait_for(c, "#his-summary", "the summary", |t| {
        t.contains("匹配 3 条")
    })
    .await;
    assert!(summary.contains("读到 3 行"), "{summary}");
    let done = c
        .execute(
            "const p = document.getElementById('his-progress'); return [p.hidden, p.value, p.max];",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(done, json!([false, 1, 1]), "the progress bar is full");
    shot(c, "his").await;
    assert_eq!(stored(home, "U03").status, MappingStatus::Suggested);
    click(c, "tab-queue").await;
    c.find(Locator::Id("f-q"))
        .await
        .unwrap()
        .clear()
        .await
        .unwrap();
    click(c, "f-apply").await;
    wait_for(c, "#total", "the grown queue", |t| t == "共 11 条").await;
}

async fn click(c: &Client, id: &str) {
    c.find(Locator::Id(id))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
}
