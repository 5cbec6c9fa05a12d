"""The README's Huawei quick start, run as a reader would paste it: twice in a row against the same
twin (issue 12: the second run once failed with 6103, the server already bound)."""

import os
import re

README = os.path.join(os.path.dirname(__file__), "..", "..", "README.md")


def huawei_quick_start(base_url):
    with open(README, encoding="utf-8") as f:
        text = f.read()
    section = text[text.index("## Huawei Cloud CBR quick start"):]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    assert "http://127.0.0.1:4599" in code
    return code.replace("http://127.0.0.1:4599", base_url)


def test_the_huawei_quick_start_runs_twice(twin_server, twin, capsys):
    code = huawei_quick_start(twin_server.base_url)
    for run in (1, 2):
        exec(compile(code, "README.md (Huawei quick start)", "exec"), {})
        assert capsys.readouterr().out.strip() in ("protecting", "available"), f"run {run}"
        twin.advance(60)  # the reader looks at the output before running it again
    vaults = twin.get("/_cloudtwin/state")["world"]["huawei"]["0123456789abcdef0123456789abcdef"]["vaults"]
    assert [v["name"] for v in vaults.values()] == ["my_vault"], "the second run reused the vault"
