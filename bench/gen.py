"""Writes N old-site pages (text captures) for `fupin import` and the same
articles as Markdown for Hugo, so both build the same site.

    python3 bench/gen.py N PAGES_DIR HUGO_CONTENT_DIR
"""
import os
import sys

n, pages, content = int(sys.argv[1]), sys.argv[2], sys.argv[3]
channels = [("扶贫要闻", "fupin-yaowen"), ("协会新闻", "xiehui-xinwen"), ("对口帮扶", "duikou-bangfu"), ("地市联播", "dishi-lianbo")]
places = ["韶关", "清远", "河源", "梅州", "湛江", "茂名", "汕尾", "阳江"]
nb = "\u00a0"
os.makedirs(pages, exist_ok=True)
for name, slug in channels:
    os.makedirs(os.path.join(content, slug), exist_ok=True)
    with open(os.path.join(content, slug, "_index.md"), "w") as f:
        f.write(f"---\ntitle: {name}\n---\n")
for i in range(n):
    name, slug = channels[i % len(channels)]
    place = places[i % len(places)]
    title = f"{place}驻村工作组第{i}次帮扶简报"
    date = f"20{10 + i % 14:02d}-{1 + i % 12:02d}-{1 + i % 28:02d}"
    paras = [
        f"{place}市驻村工作组第{k}次入户走访，核实帮扶需求{(i * 7 + k) % 90 + 10}项，"
        f"落实帮扶资金{(i * 13 + k) % 900 + 100}万元，推动扶贫开发“双到”工作。"
        for k in range(10)
    ]
    crumb = "首页->>扶贫前沿->>地市联播" if slug == "dishi-lianbo" else f"首页->>{name}"
    body = "".join(f"{nb * 4}{p}\n{nb}\n" for p in paras)
    y, m, d = date.split("-")
    with open(os.path.join(pages, f"{i:07d}.txt"), "w") as f:
        f.write(f"{nb}当前位置:{crumb}\n{title}\n加入时间:{int(y)}-{int(m)}-{int(d)}{nb}{nb} 来源:协会秘书处\n\n{body}\n欢迎访问广东扶贫网\n")
    with open(os.path.join(content, slug, f"a{i}.md"), "w") as f:
        f.write(f"---\ntitle: \"{title}\"\ndate: {date}\nsource: 协会秘书处\n---\n\n" + "\n\n".join(paras) + "\n")
