() => {
  // The page's script (Gradio runs it once the app has loaded).
  // (1) A link to "#clause-<id>" (citation, defined term, reference; the chat's sanitizer drops
  //     data-* attributes, the href survives) opens the Policy tab at that clause, which stays
  //     highlighted. A jump from an answer is a step in the browser's history: Back (or the policy
  //     view's "Back to the answer") returns to the answer, focused on the link. "#clause-<id>" in the
  //     address when the page opens shows that clause.
  // (2) The address bar follows the tab's policy and question: the server writes them into
  //     #pqa-address (render.address_html) and this copies them into ?policy=…&q=….
  // (3) "Copy link to this answer" copies the answer's address.
  // (4) The chat takes the height the viewport leaves, so the examples and the question box show on the
  //     first screen whatever the header's and the examples' wrapping.
  // (5) The upload field's drop zone is named by what it says.
  // (6) The chat's copy buttons copy our HTML; they get plain text instead (the answer's hidden
  //     <pre class="pqa-plain">), each question once.
  const LOAD_TIMEOUT_MS = 120000;  // how long a clause may take to appear (a policy being loaded)
  const root = document.documentElement;
  const tabButton = (id) => document.querySelector(`button[role="tab"][data-tab-id="${id}"]`);
  const selectTab = (id) => {
    const tab = tabButton(id);
    if (tab && tab.getAttribute('aria-selected') !== 'true') tab.click();
  };
  const onAskTab = () => tabButton('ask')?.getAttribute('aria-selected') === 'true';
  const chatScroller = () => {
    let box = document.querySelector('#pqa-chat .pqa-answer, #pqa-chat .pqa-question')?.parentElement;
    while (box && !/(auto|scroll)/.test(getComputedStyle(box).overflowY)) box = box.parentElement;
    return box;
  };
  // Call `found(element)` once `find()` returns a shown element, checking every frame until `timeout` ms.
  const whenShown = (find, found, timeout = LOAD_TIMEOUT_MS) => {
    const until = performance.now() + timeout;
    const look = () => {
      const element = find();
      if (element && element.offsetParent !== null) found(element);
      else if (performance.now() < until) requestAnimationFrame(look);
    };
    look();
  };
  const here = (anchor) => `${location.pathname}${location.search}${anchor}`;
  const hashClause = () => (location.hash.startsWith('#clause-')
    ? decodeURIComponent(location.hash.slice('#clause-'.length)) : null);

  // (1) Clauses, and the way back.
  const openClause = (id) => {
    selectTab('policy');
    const find = () => {
      const view = document.querySelector('#pqa-policy .pqa-policy');
      const policy = new URLSearchParams(location.search).get('policy');
      if (!view || (policy && view.getAttribute('data-policy') !== policy)) return null;  // not switched yet
      return document.getElementById('clause-' + id);
    };
    whenShown(find, (target) => {
      document.querySelectorAll('.pqa-clause.pqa-target').forEach((el) => el.classList.remove('pqa-target'));
      target.classList.add('pqa-target');
      target.scrollIntoView({ block: 'center' });
    });
  };
  let from = null;  // where the last jump from the chat started: {link, scroll}
  const backToAnswer = () => {
    root.classList.remove('pqa-from-answer');
    selectTab('ask');
    const saved = from;
    whenShown(() => document.querySelector('#pqa-chat'), () => {
      const box = chatScroller();
      if (box && saved) box.scrollTop = saved.scroll;
      if (saved && saved.link.isConnected) saved.link.focus({ preventScroll: true });
    }, 5000);
  };
  document.addEventListener('click', (event) => {
    const target = event.target;
    if (!target.closest) return;
    if (target.closest('button.pqa-back')) {
      if (history.state && history.state.pqaJump) history.back();
      else {
        history.replaceState(history.state, '', here(''));
        backToAnswer();
      }
      return;
    }
    const share = target.closest('a.pqa-share');
    if (share) {  // (3)
      event.preventDefault();
      navigator.clipboard?.writeText(share.href).then(() => { share.textContent = 'Link copied'; });
      return;
    }
    const link = target.closest('a[href^="#clause-"], a[href^="#section-"]');
    if (!link) return;
    event.preventDefault();
    event.stopPropagation();
    const anchor = decodeURIComponent(link.getAttribute('href').slice(1));
    if (!anchor.startsWith('clause-')) {
      document.getElementById(anchor)?.scrollIntoView({ block: 'start' });
      return;
    }
    if (link.closest('#pqa-policy')) history.replaceState(history.state, '', here('#' + anchor));
    else {
      from = { link, scroll: chatScroller()?.scrollTop ?? 0 };
      history.pushState({ pqaJump: true }, '', here('#' + anchor));
      root.classList.add('pqa-from-answer');  // the policy view's button says "Back to the answer"
    }
    openClause(anchor.slice('clause-'.length));
  }, true);
  window.addEventListener('popstate', () => {
    const clause = hashClause();
    if (clause === null) {
      backToAnswer();
      return;
    }
    if (history.state && history.state.pqaJump) root.classList.add('pqa-from-answer');
    openClause(clause);
  });

  // (2) The address bar.
  const address = document.getElementById('pqa-address');
  const follow = () => {
    const wanted = address?.querySelector('.pqa-address')?.getAttribute('title');
    if (!wanted) return;
    const params = new URLSearchParams(location.search);
    params.delete('policy');
    params.delete('q');
    new URLSearchParams(wanted.slice(1)).forEach((value, key) => params.set(key, value));
    const hash = onAskTab() ? '' : location.hash;
    const url = `${location.pathname}?${params}${hash}`;
    if (url !== here(location.hash)) history.replaceState(history.state, '', url);
  };
  if (address) new MutationObserver(follow).observe(address, { childList: true, subtree: true, attributes: true });

  // (4) The chat's height.
  const MIN_CHAT_PX = 220;
  const fit = () => {
    const chat = document.getElementById('pqa-chat');
    const row = document.getElementById('pqa-ask-row');
    if (!chat || !row || chat.offsetParent === null) return;
    const box = chat.getBoundingClientRect();
    const below = row.getBoundingClientRect().bottom - box.bottom;
    const height = Math.max(MIN_CHAT_PX, Math.floor(innerHeight - (box.top + scrollY) - below - 12));
    if (Math.abs(height - box.height) > 1) chat.style.setProperty('height', `${height}px`, 'important');
  };
  const sized = new ResizeObserver(fit);
  ['pqa-top', 'pqa-examples', 'pqa-ask-row', 'pqa-tabs'].forEach((id) => {
    const element = document.getElementById(id);
    if (element) sized.observe(element);
  });
  window.addEventListener('resize', fit);
  fit();

  // (5) The drop zone is named "Click to upload or drop files" but reads "Drop File Here - or - Click to
  //     Upload": without its aria-label its name is what it says. (The Add a policy tab is drawn when
  //     first shown, so the tabs are watched.)
  const nameByText = () => document.querySelectorAll('#pqa-upload .upload-container[aria-label]')
    .forEach((el) => el.removeAttribute('aria-label'));
  const tabs = document.getElementById('pqa-tabs');
  if (tabs) new MutationObserver(nameByText).observe(tabs, { subtree: true, childList: true, attributeFilter: ['aria-label'] });
  nameByText();

  // (6) Plain text for the copy buttons.
  const parse = (html) => new DOMParser().parseFromString(html, 'text/html');  // inert: runs and loads nothing
  const plainMessage = (html, withQuestion) => {
    if (!html.includes('class="pqa-')) return html;
    const doc = parse(html);
    const pre = doc.querySelector('.pqa-answer pre.pqa-plain');
    if (!pre) return doc.body.textContent;
    const text = pre.textContent;
    return withQuestion ? text : text.slice(text.indexOf('\n') + 1);  // its first line is "Q: <question>"
  };
  const plain = (text) => {
    const blocks = text.split('\n\n');
    const roles = /^(user|assistant): /;
    if (blocks.every((block) => roles.test(block))) {  // "Copy conversation": role-prefixed messages
      return blocks.map((block) => {
        const [, role] = block.match(roles);
        const body = plainMessage(block.replace(roles, ''), false);
        return role === 'user' ? `Q: ${body}` : body;
      }).join('\n\n');
    }
    return plainMessage(text, true);
  };
  if (navigator.clipboard) {
    const write = navigator.clipboard.writeText.bind(navigator.clipboard);
    navigator.clipboard.writeText = (text) => write(plain(String(text)));
  }

  const opened = hashClause();
  if (opened !== null) openClause(opened);
  root.setAttribute('data-pqa-ready', '1');  // for tests: the handlers above are in place
}
