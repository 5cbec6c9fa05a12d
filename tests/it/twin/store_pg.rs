//! The PostgreSQL store (`serve --store postgres://…`) beyond what both engines promise
//! (store.rs): one twin per database (a second one names the owner; the owner's death frees
//! it), bad input at start as one line and no password in it, a connection lost at run time
//! turning the twin read-only, a world moved from SQLite to PostgreSQL and back unchanged, and
//! TLS to the database with the server's certificate checked.
//! Each test skips itself when no server is given (CLOUDTWIN_TEST_PG; tests/run-all.sh sets it).

use serde_json::json;

use super::store::{create_disk, export, postgres, refuse, sqlite, vault, Served};

/// A port on which nothing listens.
fn closed_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// Run `statement` on the database `url` names.
fn sql(url: &str, statement: &str) {
    postgres::Client::connect(url, postgres::NoTls).unwrap().batch_execute(statement).unwrap();
}

#[test]
fn on_postgres_a_second_twin_is_refused_naming_the_owner_and_takes_over_once_it_dies() {
    let Some(store) = postgres("ct_owner") else { return };
    let twin = Served::start(&store.spec, "immediate");
    let id = create_disk(&twin.client).unwrap();
    let err = refuse(&store.spec);
    let pid = twin.child.id();
    assert!(err.contains("another cloudtwin process holds this database"), "{err}");
    assert!(err.contains(&format!("pid {pid}")) && err.contains("host ") && err.contains("since "), "{err}");
    assert!(!err.contains("twin-test-password"), "the password is shown: {err}");
    twin.kill();
    // The server let the lock go with the dead twin's connection.
    let again = Served::start(&store.spec, "immediate");
    assert!(again.client.disk(&id).is_some());
    again.kill();
}

#[test]
fn on_postgres_bad_input_at_start_is_one_line_without_the_password() {
    let Some(store) = postgres("ct_bad") else { return };
    let (server, db) = store.spec.rsplit_once('/').unwrap();
    let (head, host) = server.rsplit_once('@').unwrap();
    let port = host.rsplit_once(':').unwrap().1;

    let err = refuse(&format!("{head}@127.0.0.1:notaport/{db}"));
    assert!(err.contains("not a PostgreSQL URL"), "{err}");
    assert!(!err.contains("twin-test-password") && err.contains("***"), "{err}");

    let err = refuse(&format!("{head}@127.0.0.1:{}/{db}", closed_port()));
    assert!(err.contains("cannot connect"), "{err}");
    assert!(!err.contains("twin-test-password"), "{err}");

    let err = refuse(&format!("postgres://cloudtwin:wrong-password@127.0.0.1:{port}/{db}"));
    assert!(err.contains("password authentication failed"), "{err}");
    assert!(!err.contains("wrong-password"), "{err}");

    // TLS asked for: a server certificate no trusted CA signed is refused, and so is an
    // unreadable sslrootcert or one without TLS asked for.
    let err = refuse(&format!("{}?sslmode=require", store.spec));
    assert!(err.contains("certificate") && err.contains("UnknownIssuer"), "{err}");
    let err = refuse(&format!("{}?sslmode=require&sslrootcert=/nonexistent/ca.pem", store.spec));
    assert!(err.contains("sslrootcert /nonexistent/ca.pem"), "{err}");
    let err = refuse(&format!("{}?sslrootcert=/nonexistent/ca.pem", store.spec));
    assert!(err.contains("add sslmode=require"), "{err}");

    // A store of another version, then a table of that name that is something else's.
    let twin = Served::start(&store.spec, "immediate");
    twin.kill();
    sql(&store.spec, "UPDATE cloudtwin_meta SET value = '99' WHERE name = 'version'");
    let err = refuse(&store.spec);
    assert!(err.contains("version 99") && err.contains("--import"), "{err}");
    sql(&store.spec, "DROP TABLE cloudtwin_meta; CREATE TABLE cloudtwin_meta(x int)");
    assert!(refuse(&store.spec).contains("not a cloudtwin store"));
}

#[test]
fn on_postgres_a_lost_connection_answers_an_internal_error_and_the_twin_turns_read_only() {
    let Some(store) = postgres("ct_lost") else { return };
    let twin = Served::start(&store.spec, "immediate");
    let t = &twin.client;
    let kept = create_disk(t).unwrap();
    sql(
        &store.spec,
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
         WHERE datname = 'ct_lost' AND application_name = 'cloudtwin'",
    );
    assert_eq!(t.err("ModifyDiskAttributes", json!({"DiskIds": [kept], "DiskName": "n"})), "InternalError");
    let health = t.control("GET", "/_cloudtwin/health", None).json();
    assert_eq!(health["status"], "degraded", "{health}");
    assert!(!health["reason"].as_str().unwrap().contains("twin-test-password"), "{health}");
    assert!(t.disk(&kept).is_some(), "reads are still served");
    assert_eq!(
        t.hw_err("POST", "/v3/{p}/vaults", Some(json!({"vault": {"name": "v"}}))),
        (500, "BackupService.1001".into())
    );
    assert_eq!(t.control("POST", "/_cloudtwin/reset", None).status, 503);
    twin.kill();
    let again = Served::start(&store.spec, "immediate");
    assert!(again.client.disk(&kept).is_some(), "what was acknowledged before is there");
    again.kill();
}

#[test]
fn a_world_exported_from_sqlite_and_imported_into_postgres_and_back_is_the_same() {
    let Some(pg) = postgres("ct_move") else { return };
    let (file, back) = (sqlite(), sqlite());
    let twin = Served::start(&file.spec, "immediate");
    let t = &twin.client;
    create_disk(t).unwrap();
    vault(t, "base");
    t.ucs_ok("CreateSnapshot", &[("Name", "s"), ("DiskID", "disk-ucsdata2")]);
    t.advance(5.0);
    let doc = export(t);
    twin.kill();

    // Into PostgreSQL, through a restart so that what is compared is what the database holds.
    let twin = Served::start(&pg.spec, "immediate");
    assert_eq!(twin.client.control("POST", "/_cloudtwin/state", Some(doc.clone())).status, 200);
    twin.kill();
    let twin = Served::start(&pg.spec, "immediate");
    let on_pg = export(&twin.client);
    twin.kill();
    assert_eq!(on_pg, doc, "SQLite → PostgreSQL changed the world");

    let twin = Served::start(&back.spec, "immediate");
    assert_eq!(twin.client.control("POST", "/_cloudtwin/state", Some(on_pg)).status, 200);
    twin.kill();
    let twin = Served::start(&back.spec, "immediate");
    assert_eq!(export(&twin.client), doc, "PostgreSQL → SQLite changed the world");
    twin.kill();
}

#[test]
fn on_postgres_sslmode_require_talks_tls_and_checks_the_certificate() {
    let Some(store) = postgres("ct_tls") else { return };
    let ca = std::env::var("CLOUDTWIN_TEST_PG_CA").expect("scripts/pg-test-server.sh sets CLOUDTWIN_TEST_PG_CA");
    let url = format!("{}?sslmode=require&sslrootcert={ca}", store.spec);
    let twin = Served::start(&url, "immediate");
    let id = create_disk(&twin.client).unwrap();
    // The server says the twin's session is encrypted.
    let mut admin = postgres::Client::connect(&store.spec, postgres::NoTls).unwrap();
    let row = admin
        .query_one(
            "SELECT bool_and(s.ssl), count(*) FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid) \
             WHERE a.datname = 'ct_tls' AND a.application_name = 'cloudtwin'",
            &[],
        )
        .unwrap();
    assert_eq!((row.get::<_, Option<bool>>(0), row.get::<_, i64>(1)), (Some(true), 1));
    twin.kill();
    let again = Served::start(&url, "immediate");
    assert!(again.client.disk(&id).is_some(), "the write made over TLS is kept");
    again.kill();
    // The certificate names 127.0.0.1 and localhost, not another host name (the same server,
    // reached through hostaddr under a name it does not have).
    let (head, host) = store.spec.split_once('@').unwrap();
    let other = format!(
        "{head}@{}?hostaddr=127.0.0.1&sslmode=require&sslrootcert={ca}",
        host.replacen("127.0.0.1", "db.cloudtwin.invalid", 1)
    );
    let err = refuse(&other);
    assert!(err.contains("certificate"), "{err}");
}
