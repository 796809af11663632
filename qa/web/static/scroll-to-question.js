() => requestAnimationFrame(() => requestAnimationFrame(() => {
  // Scroll the chat (only the chat, not the page) so that a question is at its top, just below the chat's
  // buttons: the first one still waiting for its answer, else the one of the newest reply (answer or notice).
  const marks = [...document.querySelectorAll(
    '#pqa-chat .pqa-question, #pqa-chat .pqa-answer, #pqa-chat .pqa-notice, #pqa-chat .pqa-waiting')];
  const isQuestion = (el) => el.classList.contains('pqa-question');
  const waiting = marks.find((el) => el.classList.contains('pqa-waiting'));
  const reply = waiting || marks.filter((el) => !isQuestion(el)).pop();
  if (!reply) return;
  const target = marks.slice(0, marks.indexOf(reply)).filter(isQuestion).pop() || reply;
  let box = target.parentElement;
  while (box && !/(auto|scroll)/.test(getComputedStyle(box).overflowY)) box = box.parentElement;
  if (box) box.scrollTop += target.getBoundingClientRect().top - box.getBoundingClientRect().top - 44;
  document.getElementById('pqa-chat')?.setAttribute('data-pqa-scrolled-to', target.textContent);  // for tests
}))
