"""The meeting kit beyond the notebook handout: what a facilitator prints, sends and shows.

The process's toolkit has, besides each meeting's handout and agendas, a presentation per
meeting, a "What is a success gap?" handout for new members, invitation and reminder e-mails,
and planning and progress-monitoring forms. They are all registered in
``templates/documents.yml`` and built by ``handouts.build_handouts`` with the rest:

=============== ============================================================================
``format``      what a document entry of documents.yml becomes
=============== ============================================================================
``html``        (default) a Markdown + Jinja template -> HTML and PDF; ``word: true`` adds an
                editable Word file made from the same HTML (:mod:`.word`)
``text``        a plain-text template -> ``.txt`` (e-mails: ``To:``, ``Subject:``, body)
``deck``        the meeting's slides (:mod:`.deck`): a self-contained HTML deck and the same
                deck as an editable PowerPoint file, from ``templates/slides/``
=============== ============================================================================

Templates see the team's work as it stood at the meeting (``context["team"]``,
:class:`.team.TeamWork`), the same moment the meeting's handout shows (``history``). Everything
a team typed passes ``privacy.mask_small_counts``; every figure about children comes from
protected tables (``meeting.Meeting``).
"""
