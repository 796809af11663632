() => {
  // Two small page scripts. (1) A click on any link to "#clause-<id>" (citation, defined term,
  // reference; the chat's sanitizer drops data-* attributes, the href survives) opens the Policy
  // tab and scrolls to that clause, which stays highlighted; "#section-<letter>" links scroll within
  // the policy. (2) The chat's copy buttons copy a message's source, which is our HTML; they get the
  // answer's plain-text version (render.answer_text) instead.
  const openClause = (id) => {
    const tab = document.querySelector('button[role="tab"][data-tab-id="policy"]');
    if (tab && tab.getAttribute('aria-selected') !== 'true') tab.click();
    let tries = 0;
    const reveal = () => {
      const target = document.getElementById('clause-' + id);
      if (!target || target.offsetParent === null) {
        if (++tries < 200) requestAnimationFrame(reveal);
        return;
      }
      document.querySelectorAll('.pqa-clause.pqa-target').forEach((el) => el.classList.remove('pqa-target'));
      target.classList.add('pqa-target');
      target.scrollIntoView({ block: 'center' });
    };
    reveal();
  };
  document.addEventListener('click', (event) => {
    const link = event.target.closest && event.target.closest('a[href^="#clause-"], a[href^="#section-"]');
    if (!link) return;
    event.preventDefault();
    event.stopPropagation();
    const anchor = decodeURIComponent(link.getAttribute('href').slice(1));
    if (anchor.startsWith('clause-')) openClause(anchor.slice('clause-'.length));
    else document.getElementById(anchor)?.scrollIntoView({ block: 'start' });
  }, true);
  const plain = (text) => {
    if (!text.includes('class="pqa-')) return text;
    const doc = new DOMParser().parseFromString(text, 'text/html');  // inert: runs and loads nothing
    doc.querySelectorAll('.pqa-answer').forEach((answer) => {
      const pre = answer.querySelector('.pqa-plain pre');
      answer.replaceWith(doc.createTextNode(pre ? pre.textContent : answer.textContent));
    });
    return doc.body.textContent;
  };
  if (navigator.clipboard) {
    const write = navigator.clipboard.writeText.bind(navigator.clipboard);
    navigator.clipboard.writeText = (text) => write(plain(String(text)));
  }
}
