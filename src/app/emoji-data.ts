// A curated emoji set with Unicode CLDR short names, grouped like the Unicode emoji categories.
// Hand-picked rather than a full dataset package: the ~350 emoji people reach for in chat cost a
// few KB, where a complete dataset with keywords is hundreds. Only the emoji picker imports this
// file, and the picker is loaded on first use, so none of it is in the initial bundle.
//
// Format: one string per category, entries separated by ";", each "<emoji> <name>".

import type { MessageKey } from './i18n.svelte.ts';

export interface EmojiCategory {
  id: string;
  /** The category's name, a message key for t(). */
  label: MessageKey;
  /** The emoji on the category's tab. */
  icon: string;
  entries: string;
}

export const EMOJI_CATEGORIES: EmojiCategory[] = [
  {
    id: 'smileys',
    label: 'emoji.cat.smileys',
    icon: '😀',
    entries:
      '😀 grinning face;😃 grinning face with big eyes;😄 grinning face with smiling eyes;😁 beaming face with smiling eyes;😆 grinning squinting face;😅 grinning face with sweat;🤣 rolling on the floor laughing;😂 face with tears of joy;🙂 slightly smiling face;🙃 upside-down face;😉 winking face;😊 smiling face with smiling eyes;😇 smiling face with halo;🥰 smiling face with hearts;😍 smiling face with heart-eyes;🤩 star-struck;😘 face blowing a kiss;😗 kissing face;😚 kissing face with closed eyes;😋 face savoring food;😛 face with tongue;😜 winking face with tongue;🤪 zany face;😝 squinting face with tongue;🤑 money-mouth face;🤗 smiling face with open hands;🤭 face with hand over mouth;🤫 shushing face;🤔 thinking face;🤐 zipper-mouth face;🤨 face with raised eyebrow;😐 neutral face;😑 expressionless face;😶 face without mouth;😏 smirking face;😒 unamused face;🙄 face with rolling eyes;😬 grimacing face;😌 relieved face;😔 pensive face;😪 sleepy face;🤤 drooling face;😴 sleeping face;😷 face with medical mask;🤒 face with thermometer;🤕 face with head-bandage;🤢 nauseated face;🤮 face vomiting;🤧 sneezing face;🥵 hot face;🥶 cold face;🥴 woozy face;😵 face with crossed-out eyes;🤯 exploding head;🤠 cowboy hat face;🥳 partying face;😎 smiling face with sunglasses;🤓 nerd face;🧐 face with monocle;😕 confused face;😟 worried face;🙁 slightly frowning face;😮 face with open mouth;😯 hushed face;😲 astonished face;😳 flushed face;🥺 pleading face;😦 frowning face with open mouth;😧 anguished face;😨 fearful face;😰 anxious face with sweat;😥 sad but relieved face;😢 crying face;😭 loudly crying face;😱 face screaming in fear;😖 confounded face;😣 persevering face;😞 disappointed face;😓 downcast face with sweat;😩 weary face;😫 tired face;🥱 yawning face;😤 face with steam from nose;😡 enraged face;😠 angry face;🤬 face with symbols on mouth;😈 smiling face with horns;💀 skull;💩 pile of poo;🤡 clown face;👻 ghost;👽 alien;🤖 robot;😺 grinning cat;😹 cat with tears of joy;😻 smiling cat with heart-eyes;🙈 see-no-evil monkey;🙉 hear-no-evil monkey;🙊 speak-no-evil monkey',
  },
  {
    id: 'people',
    label: 'emoji.cat.people',
    icon: '👋',
    entries:
      '👋 waving hand;🤚 raised back of hand;✋ raised hand;🖖 vulcan salute;👌 OK hand;🤌 pinched fingers;✌️ victory hand;🤞 crossed fingers;🤟 love-you gesture;🤘 sign of the horns;🤙 call me hand;👈 backhand index pointing left;👉 backhand index pointing right;👆 backhand index pointing up;👇 backhand index pointing down;☝️ index pointing up;👍 thumbs up;👎 thumbs down;✊ raised fist;👊 oncoming fist;👏 clapping hands;🙌 raising hands;👐 open hands;🤲 palms up together;🤝 handshake;🙏 folded hands;✍️ writing hand;💪 flexed biceps;👀 eyes;🧠 brain;👶 baby;🧒 child;👦 boy;👧 girl;🧑 person;👨 man;👩 woman;🧓 older person;👮 police officer;🧑‍⚕️ health worker;🧑‍🎓 student;🧑‍🏫 teacher;🧑‍🍳 cook;🧑‍💻 technologist;🧑‍🎤 singer;🧑‍🚀 astronaut;🥷 ninja;🎅 Santa Claus;🧙 mage;🧚 fairy;🙋 person raising hand;🙇 person bowing;🤦 person facepalming;🤷 person shrugging;💃 woman dancing;🕺 man dancing;👫 woman and man holding hands;💑 couple with heart;👪 family',
  },
  {
    id: 'nature',
    label: 'emoji.cat.nature',
    icon: '🐶',
    entries:
      '🐶 dog face;🐱 cat face;🐭 mouse face;🐹 hamster;🐰 rabbit face;🦊 fox;🐻 bear;🐼 panda;🐨 koala;🐯 tiger face;🦁 lion;🐮 cow face;🐷 pig face;🐸 frog;🐵 monkey face;🐔 chicken;🐧 penguin;🐦 bird;🐤 baby chick;🦆 duck;🦅 eagle;🦉 owl;🐺 wolf;🐴 horse face;🦄 unicorn;🐝 honeybee;🐛 bug;🦋 butterfly;🐌 snail;🐞 lady beetle;🐢 turtle;🐍 snake;🐉 dragon;🐲 dragon face;🐙 octopus;🦑 squid;🦀 crab;🐠 tropical fish;🐟 fish;🐬 dolphin;🐳 spouting whale;🦈 shark;🐘 elephant;🦒 giraffe;🐈 cat;🐕 dog;🌸 cherry blossom;🌹 rose;🌻 sunflower;🌷 tulip;🌱 seedling;🌲 evergreen tree;🌴 palm tree;🌵 cactus;🍀 four leaf clover;🍁 maple leaf;🍂 fallen leaf;🌞 sun with face;🌝 full moon face;🌙 crescent moon;⭐ star;🌟 glowing star;✨ sparkles;⚡ high voltage;🔥 fire;🌈 rainbow;☀️ sun;⛅ sun behind cloud;☁️ cloud;🌧️ cloud with rain;⛄ snowman without snow;❄️ snowflake;🌊 water wave',
  },
  {
    id: 'food',
    label: 'emoji.cat.food',
    icon: '🍜',
    entries:
      '🍏 green apple;🍎 red apple;🍐 pear;🍊 tangerine;🍋 lemon;🍌 banana;🍉 watermelon;🍇 grapes;🍓 strawberry;🍈 melon;🍒 cherries;🍑 peach;🥭 mango;🍍 pineapple;🥥 coconut;🥝 kiwi fruit;🍅 tomato;🥑 avocado;🌶️ hot pepper;🌽 ear of corn;🥕 carrot;🥔 potato;🍞 bread;🥐 croissant;🧀 cheese wedge;🥚 egg;🍳 cooking;🥞 pancakes;🍗 poultry leg;🍖 meat on bone;🍔 hamburger;🍟 french fries;🍕 pizza;🌭 hot dog;🥪 sandwich;🌮 taco;🍝 spaghetti;🍜 steaming bowl;🍲 pot of food;🍛 curry rice;🍣 sushi;🍱 bento box;🥟 dumpling;🥠 fortune cookie;🥮 moon cake;🍚 cooked rice;🍙 rice ball;🍘 rice cracker;🍢 oden;🍡 dango;🍦 soft ice cream;🍰 shortcake;🎂 birthday cake;🧁 cupcake;🍫 chocolate bar;🍬 candy;🍭 lollipop;🍩 doughnut;🍪 cookie;🥛 glass of milk;☕ hot beverage;🍵 teacup without handle;🧋 bubble tea;🍶 sake;🍺 beer mug;🍻 clinking beer mugs;🥂 clinking glasses;🍷 wine glass;🥤 cup with straw',
  },
  {
    id: 'activities',
    label: 'emoji.cat.activities',
    icon: '⚽',
    entries:
      '⚽ soccer ball;🏀 basketball;🏈 american football;⚾ baseball;🎾 tennis;🏐 volleyball;🏓 ping pong;🏸 badminton;🥊 boxing glove;🥋 martial arts uniform;⛳ flag in hole;🎣 fishing pole;🎿 skis;🏂 snowboarder;🏊 person swimming;🚴 person biking;🏆 trophy;🥇 1st place medal;🥈 2nd place medal;🥉 3rd place medal;🏅 sports medal;🎖️ military medal;🎫 ticket;🎪 circus tent;🎭 performing arts;🎨 artist palette;🎬 clapper board;🎤 microphone;🎧 headphone;🎼 musical score;🎹 musical keyboard;🥁 drum;🎷 saxophone;🎺 trumpet;🎸 guitar;🎻 violin;🎲 game die;♟️ chess pawn;🎯 bullseye;🎳 bowling;🎮 video game;🧩 puzzle piece;🎉 party popper;🎊 confetti ball;🎈 balloon;🎁 wrapped gift;🧧 red envelope;🎀 ribbon;🎃 jack-o-lantern;🎄 Christmas tree;🎆 fireworks;🎇 sparkler;🧨 firecracker;🏮 red paper lantern;🎐 wind chime;🎑 moon viewing ceremony',
  },
  {
    id: 'travel',
    label: 'emoji.cat.travel',
    icon: '🚗',
    entries:
      '🚗 automobile;🚕 taxi;🚌 bus;🚎 trolleybus;🏎️ racing car;🚓 police car;🚑 ambulance;🚒 fire engine;🚲 bicycle;🛵 motor scooter;🏍️ motorcycle;🚄 high-speed train;🚅 bullet train;🚇 metro;🚉 station;✈️ airplane;🛫 airplane departure;🛬 airplane arrival;🚀 rocket;🛸 flying saucer;🚁 helicopter;⛵ sailboat;🚢 ship;⚓ anchor;⛽ fuel pump;🚦 vertical traffic light;🗺️ world map;🗼 Tokyo tower;🗽 Statue of Liberty;🏯 Japanese castle;🏰 castle;⛩️ shinto shrine;🕌 mosque;⛪ church;🏠 house;🏡 house with garden;🏢 office building;🏥 hospital;🏦 bank;🏨 hotel;🏫 school;🏪 convenience store;⛺ tent;🌉 bridge at night;🌃 night with stars;🏙️ cityscape;🌄 sunrise over mountains;🌅 sunrise;🏖️ beach with umbrella;🏝️ desert island;🗻 mount fuji;🌋 volcano;🎢 roller coaster;🎡 ferris wheel;🌏 globe showing Asia-Australia;🌍 globe showing Europe-Africa;🌎 globe showing Americas',
  },
  {
    id: 'objects',
    label: 'emoji.cat.objects',
    icon: '💡',
    entries:
      '⌚ watch;📱 mobile phone;💻 laptop;⌨️ keyboard;🖥️ desktop computer;🖨️ printer;🖱️ computer mouse;💾 floppy disk;📷 camera;📸 camera with flash;📹 video camera;🎥 movie camera;📞 telephone receiver;📺 television;📻 radio;⏰ alarm clock;⌛ hourglass done;🔋 battery;🔌 electric plug;💡 light bulb;🔦 flashlight;🕯️ candle;💸 money with wings;💵 dollar banknote;💴 yen banknote;💰 money bag;🪙 coin;💳 credit card;💎 gem stone;🔧 wrench;🔨 hammer;🛠️ hammer and wrench;🔑 key;🔒 locked;🔓 unlocked;🚪 door;🛏️ bed;🛒 shopping cart;🎒 backpack;👓 glasses;🕶️ sunglasses;👔 necktie;👕 t-shirt;👗 dress;👘 kimono;👟 running shoe;👑 crown;💄 lipstick;💍 ring;☂️ umbrella;✉️ envelope;📩 envelope with arrow;📦 package;📝 memo;✏️ pencil;🖊️ pen;📌 pushpin;📎 paperclip;✂️ scissors;📅 calendar;📈 chart increasing;📉 chart decreasing;📚 books;📖 open book;🔍 magnifying glass tilted left;🔔 bell;🔕 bell with slash;📣 megaphone;💊 pill;🧸 teddy bear',
  },
  {
    id: 'symbols',
    label: 'emoji.cat.symbols',
    icon: '❤️',
    entries:
      '❤️ red heart;🧡 orange heart;💛 yellow heart;💚 green heart;💙 blue heart;💜 purple heart;🖤 black heart;🤍 white heart;🤎 brown heart;💔 broken heart;❣️ heart exclamation;💕 two hearts;💞 revolving hearts;💓 beating heart;💗 growing heart;💖 sparkling heart;💘 heart with arrow;💝 heart with ribbon;💯 hundred points;💢 anger symbol;💥 collision;💫 dizzy;💦 sweat droplets;💨 dashing away;💬 speech balloon;💭 thought balloon;💤 ZZZ;✅ check mark button;✔️ check mark;❌ cross mark;❎ cross mark button;➕ plus;➖ minus;❓ red question mark;❔ white question mark;❗ red exclamation mark;‼️ double exclamation mark;⁉️ exclamation question mark;⚠️ warning;🚫 prohibited;⛔ no entry;♻️ recycling symbol;🔴 red circle;🟢 green circle;🔵 blue circle;⚪ white circle;⚫ black circle;🟥 red square;🔶 large orange diamond;🔷 large blue diamond;⬆️ up arrow;⬇️ down arrow;⬅️ left arrow;➡️ right arrow;🔄 counterclockwise arrows button;🔝 TOP arrow;🆗 OK button;🆕 NEW button;🆒 COOL button;🆓 FREE button;🈶 Japanese “not free of charge” button;🉐 Japanese “bargain” button;㊗️ Japanese “congratulations” button;㊙️ Japanese “secret” button;🎵 musical note;🎶 musical notes;➰ curly loop;〽️ part alternation mark;©️ copyright;®️ registered;™️ trade mark;🔞 no one under eighteen;🏳️‍🌈 rainbow flag;🏁 chequered flag;🚩 triangular flag',
  },
];
