// The benchmark's message history, generated from a seed so every run (and the Node check of the
// page) sees the same 100,000 messages: half Chinese sentences built from common words (no
// spaces, as people write them), four in ten English, one in ten both mixed. Words are drawn with
// a skew (a few very common, a long tail of rare ones), as in real chat.
import { encodeHlc } from '../../src/core/hlc.ts';

const ZH = (
  '我们 你们 他们 今天 明天 昨天 北京 上海 广州 深圳 杭州 南京 成都 西安 东京 香港 台北 见面 吃饭 开会 工作 学习 ' +
  '电影 音乐 咖啡 火锅 朋友 同事 老板 公司 学校 医院 机场 地铁 飞机 火车 周末 晚上 早上 下午 中午 时间 地方 ' +
  '问题 办法 消息 电话 邮件 照片 视频 红包 生日 快乐 谢谢 不好意思 没关系 可以 应该 一起 已经 还是 因为 所以 ' +
  '但是 如果 真的 非常 有点 特别 一定 马上 刚才 等等 知道 觉得 喜欢 需要 准备 出发 到达 回家 上班 下班 加班 ' +
  '天气 下雨 太阳 春天 夏天 秋天 冬天 手机 电脑 网络 游戏 比赛 足球 篮球 跑步 健身 旅游 酒店 餐厅 超市 ' +
  '价格 便宜 贵 好吃 好看 漂亮 开心 难过 担心 放心 记得 忘记 帮忙 麻烦 安排 计划 项目 报告 文件 会议室'
).split(' ');
const EN = (
  'the you and to a is in it of for on that this we be at with are have see me meet can will just so ' +
  'what time tomorrow today tonight morning evening lunch dinner coffee meeting office home train flight ' +
  'paris london berlin tokyo beijing shanghai seoul madrid rome airport station hotel restaurant weekend ' +
  'project report deadline budget design review release deploy server bug fix test build launch ' +
  'thanks sorry okay great sounds good perfect awesome maybe later soon ready late early again ' +
  'movie music concert game football match birthday party gift photo video call message email ' +
  'weather rain sunny cold warm spring summer autumn winter holiday vacation ticket booking ' +
  'price cheap expensive delicious beautiful happy worried remember forget help plan schedule ' +
  'quarterly invoice contract signature warehouse shipment customer feedback dashboard analytics ' +
  'kangaroo saxophone volcano lighthouse origami marathon telescope avalanche labyrinth'
).split(' ');

/** mulberry32: small, fast and good enough to draw words from a seed. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Skewed pick: index ~ len · r², so the list's head is common and its tail rare. */
const pick = <T>(list: readonly T[], r: () => number): T => list[Math.floor(list.length * r() * r())]!;

export interface BenchMessage {
  room: string;
  id: string;
  hlc: string;
  text: string;
}

export function corpus(seed: number, count: number, rooms: number): BenchMessage[] {
  const r = seeded(seed);
  const out: BenchMessage[] = [];
  const start = 1_700_000_000_000;
  for (let i = 0; i < count; i++) {
    const kind = r();
    const zh = () => Array.from({ length: 3 + Math.floor(r() * 8) }, () => pick(ZH, r)).join('');
    const en = () => Array.from({ length: 4 + Math.floor(r() * 10) }, () => pick(EN, r)).join(' ');
    const text = kind < 0.5 ? `${zh()}${r() < 0.3 ? '。' : ''}` : kind < 0.9 ? en() : `${en()} ${zh()}`;
    out.push({
      room: `room-${i % rooms}`,
      id: `m${i.toString(36)}`,
      hlc: encodeHlc({ wall: start + i * 1000, counter: 0, node: 'benchdevice' }),
      text,
    });
  }
  return out;
}

/**
 * Queries as people type them: Chinese words and phrases cut from real messages, English words
 * and word pairs (common and rare), single Chinese characters, and words nobody wrote.
 */
export function queries(seed: number, messages: readonly BenchMessage[], n: number): string[] {
  const r = seeded(seed ^ 0x5eed);
  const out: string[] = [];
  const zhText = () => {
    for (;;) {
      const t = messages[Math.floor(r() * messages.length)]!.text;
      const run = /[\u4e00-\u9fff]{4,}/.exec(t)?.[0];
      if (run) return run;
    }
  };
  for (let i = 0; out.length < n; i++) {
    const k = i % 10;
    if (k < 2) out.push(ZH[Math.floor(r() * ZH.length)]!); // a word, any frequency
    else if (k < 4) {
      const run = zhText();
      const len = 3 + Math.floor(r() * 3);
      const at = Math.floor(r() * Math.max(1, run.length - len));
      out.push(run.slice(at, at + len)); // a phrase that exists, across word boundaries
    } else if (k < 6) out.push(EN[Math.floor(r() * EN.length)]!);
    else if (k < 8) out.push(`${EN[Math.floor(r() * EN.length)]!} ${EN[Math.floor(r() * EN.length)]!}`);
    else if (k < 9) out.push(zhText()[0]!); // one character
    else out.push(r() < 0.5 ? `zq${Math.floor(r() * 1e6).toString(36)}` : '鳄鱼恐龙');
  }
  return out;
}
