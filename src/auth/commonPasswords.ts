/**
 * The passwords of 8+ characters that online guessers try first (from the public
 * breach-frequency lists). Short on purpose: it stops the first guesses, the throttle
 * handles the rest.
 */
export const commonPasswords: ReadonlySet<string> = new Set([
  '12345678', '123456789', '1234567890', '12345678910', '11111111', '00000000', '88888888', '87654321',
  '123123123', '123321123', '1q2w3e4r', '1q2w3e4r5t', '1qaz2wsx', 'qwertyuiop', 'qwerty123', 'qwerty12',
  'qwertyui', 'asdfghjkl', 'asdfasdf', 'zxcvbnm1', 'password', 'password1', 'password12', 'password123',
  'passw0rd', 'p@ssw0rd', 'p@ssword', 'pa55word', 'iloveyou', 'iloveyou1', 'princess', 'sunshine',
  'football', 'baseball', 'welcome1', 'welcome123', 'abc12345', 'abcd1234', 'a1b2c3d4', 'aa123456',
  'admin123', 'administrator', 'letmein1', 'trustno1', 'superman', 'starwars', 'whatever', 'computer',
  'michelle', 'jennifer', 'charlie1', 'master12', 'monkey12', 'dragon12', 'shadow12', 'changeme',
  'changeme1', 'default1', 'security', 'internet', 'samsung1', 'liverpool', 'chelsea1', 'arsenal1',
  'qazwsxedc', 'zaq12wsx', 'q1w2e3r4', 'q1w2e3r4t5', 'secret12', 'secret123', 'hello123', 'hellohello',
  'camera123', 'hearth123', 'homecamera', 'security1', 'babygirl', 'lovelove', 'summer2024', 'summer2025',
  'winter2024', 'winter2025', 'spring2025', 'autumn2025', 'december', 'november', 'september', 'password2025',
  'password2026', 'test1234', 'testtest', 'guest123', 'user1234', 'root1234', 'toor1234', 'default123',
]);
