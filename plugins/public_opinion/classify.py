"""Keyword classification of citizen messages into the official three-level category tree.

First level: a hand-written lexicon per category (written from the category names and common
complaint vocabulary, not fitted to the labelled sample); subject words count twice. Second
and third level: within the chosen first level, the leaf whose name shares the most character
pairs (bigrams) with the message. No match at all gives ``其他`` (other).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

LEXICON: dict[str, tuple[str, ...]] = {
    "城乡建设": ("小区", "物业", "业主", "开发商", "楼盘", "房产", "购房", "拆迁", "征收", "安置",
             "施工", "工地", "规划", "修路", "市政", "路灯", "下水道", "排水", "管网", "燃气",
             "供水", "停水", "停电", "违建", "违章建筑", "电梯", "公租房", "廉租房", "棚改",
             "房屋", "住房", "绿化", "建设", "烂尾", "围挡", "人行道"),
    "环境保护": ("污染", "排放", "环保", "噪音", "噪声", "扰民", "粉尘", "灰尘", "异味", "臭味",
             "臭气", "废气", "污水", "排污", "油烟", "养殖场", "化工", "焚烧", "辐射", "水质",
             "黑臭", "环境"),
    "交通运输": ("公交", "出租车", "的士", "网约车", "地铁", "客运", "货运", "车站", "线路",
             "站台", "驾校", "快递", "邮政", "高速", "收费站", "班车", "交通", "公路", "车辆"),
    "教育文体": ("学校", "学生", "老师", "教师", "幼儿园", "小学", "中学", "初中", "高中", "大学",
             "教育", "招生", "入学", "学位", "补课", "培训", "学费", "考试", "体育", "文化",
             "图书馆", "校车", "学区", "课"),
    "劳动和社会保障": ("社保", "医保", "养老", "退休", "工资", "欠薪", "拖欠", "农民工", "劳动",
                "合同", "就业", "失业", "公积金", "工伤", "待遇", "编制", "人事", "辞退",
                "加班", "社会保险", "养老金", "职工"),
    "卫生计生": ("医院", "医生", "护士", "看病", "医疗", "卫生", "疫苗", "计生", "生育", "二胎",
             "准生证", "药店", "药品", "食品", "诊所", "健康", "患者", "住院", "病"),
    "商贸旅游": ("商家", "商场", "超市", "消费者", "价格", "涨价", "退款", "旅游", "景区", "门票",
             "酒店", "传销", "市场监管", "假货", "商户", "营业执照", "商铺", "消费"),
    "政法": ("派出所", "警察", "公安", "报警", "户口", "户籍", "身份证", "诈骗", "犯罪", "治安",
           "赌博", "法院", "判决", "律师", "交警", "违停"),
    "民政": ("低保", "救助", "残疾", "养老院", "居委会", "殡葬", "婚姻登记", "优抚", "退役",
           "慈善", "社区服务"),
    "农村农业": ("农村", "农民", "村民", "村委", "土地承包", "耕地", "种植", "扶贫", "农业",
             "水库", "村"),
    "国土资源": ("国土", "征地", "采矿", "矿山", "宅基地", "土地"),
    "纪检监察": ("腐败", "贪污", "受贿", "作风", "不作为", "滥用职权", "渎职"),
    "党务政务": ("党员", "党建", "政务", "宗教"),
    "经济管理": ("企业", "银行", "贷款", "金融", "税", "投资", "破产"),
    "科技与信息产业": ("网络", "宽带", "通信", "信号", "电信", "移动", "联通", "专利"),
}


@dataclass(frozen=True, slots=True)
class Category:
    l1: str
    l2: str
    l3: str

    @property
    def path(self) -> str:
        return f"{self.l1}/{self.l2}/{self.l3}"


def load_taxonomy(path: Path) -> list[Category]:
    """The official tree as (l1, l2, l3) leaves, from ``zhengwu_category_taxonomy.csv``."""
    with path.open(encoding="utf-8", newline="") as handle:
        return [Category(r["category_l1"], r["category_l2"], r["category_l3"])
                for r in csv.DictReader(handle)]


def _bigrams(text: str) -> set[str]:
    return {text[i:i + 2] for i in range(len(text) - 1)}


class Classifier:
    """Classifies a message (subject, text) into a leaf of ``taxonomy``."""

    def __init__(self, taxonomy: Sequence[Category]) -> None:
        self.leaves: dict[str, list[tuple[Category, set[str]]]] = {}
        for leaf in taxonomy:
            grams = _bigrams(leaf.l2) | _bigrams(leaf.l3)
            self.leaves.setdefault(leaf.l1, []).append((leaf, grams))

    def first_level(self, subject: str, text: str = "") -> str:
        best, best_score = "", 0
        for l1, words in LEXICON.items():
            score = sum(2 * (w in subject) + (w in text) for w in words)
            if score > best_score:
                best, best_score = l1, score
        return best or "其他"

    def classify(self, subject: str, text: str = "") -> Category:
        l1 = self.first_level(subject, text)
        leaves = self.leaves.get(l1)
        if not leaves:
            return Category(l1, "其他", "其他")
        grams = _bigrams(subject) | _bigrams(text[:500])
        leaf, overlap = max(((leaf, len(g & grams)) for leaf, g in leaves),
                            key=lambda pair: pair[1])
        return leaf if overlap else Category(l1, "其他", "其他")


def accuracy(classifier: Classifier, rows: Iterable[tuple[str, str, str]]) -> tuple[int, int]:
    """(correct, total) first-level answers over (subject, text, label) rows."""
    correct = total = 0
    for subject, text, label in rows:
        total += 1
        correct += classifier.first_level(subject, text) == label
    return correct, total
