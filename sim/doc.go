// Package sim replays triggered campaigns over a store's history: who each campaign would
// have reached, when, with which message, what the cap suppressed and quiet hours deferred,
// who converted with and without the messages, and where campaigns collide.
//
// The set work runs in DuckDB: one read through query's reading API (Store.ReadEvents)
// pulls, for every campaign, only its trigger, exit and conversion events inside the replay
// window, ordered by person and time, and streams them to Go; segment-entry triggers come
// from the engine's daily evaluations. sim writes no SQL and knows no table: the store's
// layout is query's business. The
// sequential part, walking each person's journeys, is plain Go over that stream, one person
// at a time, so memory grows with one person's events, not the store's. People never
// interact, which is also how PersonTimeline replays a single person on demand.
//
// # Semantics
//
// DESIGN.md "Campaigns (contract)" is the rule; where it leaves a choice open, this is the
// choice:
//
//   - Triggers. An event trigger is an event matching trigger.event (and its where:) with
//     a timestamp inside the campaign's between window and at or before as_of. A segment
//     trigger fires at day d 00:00 UTC for a person who is a member at d 00:00 and was not
//     at d−1 00:00, for every d whose 00:00 lies inside the window and at or before as_of;
//     without a between window the days start at the first event's day.
//   - Re-entry. A trigger starts a journey unless the person is in a journey of the same
//     campaign. A journey ends when its last step fires or at its exit; a trigger at that
//     very instant is still inside the journey (re-entry is strictly after the end). A
//     journey with a step after as_of never ends within the replay.
//   - Steps. Step k fires at the time step k−1 fired (after any deferral; the trigger for
//     the first step) plus its wait, deferred past quiet hours read on the person's `tz`
//     users attribute (UTC when the attribute is missing or not a known IANA zone).
//   - Exits. The first exit event strictly after the trigger ends the journey when it is
//     at or before the next step's time: an exit at exactly the step time cancels that
//     step (a sender checks the exit at send time, and a purchase logged in that second
//     means the reminder is no longer wanted). This matches then_not's (t, t+D].
//   - Cap "N per D". A send is suppressed when, with it, some N+1 of the person's sends of
//     the campaign would lie within less than D of each other; equivalently, when N sends
//     already went out in (t−D, t]. Suppressed sends do not count against the cap and the
//     journey goes on with the same timing.
//   - Global cap (Options.Cap). Across the campaigns replayed together, in the order
//     given: the first campaign claims the budget first. A send of a later campaign is
//     suppressed when it would put N+1 of the person's sends, of this and earlier
//     campaigns (before or after it in time), within less than D. A campaign's own cap is
//     checked first.
//   - Holdout. segments.InHoldout(name, user_id, pct) puts the person in control for
//     this campaign: their journeys run with the same timing, exits and conversions, and
//     their messages are held, never sent, counted as Held.
//   - Pending. A step whose time is after as_of is pending; every later step of the
//     journey is too (exit events after as_of do not exist).
//   - Deferred counts sends that went out later than planned because of quiet hours; it
//     is a subset of Sends (a deferred send that the cap then suppressed counts as
//     suppressed only).
//   - Conversions. A journey started at t converts at its first conversion event
//     (conversion.event, default the exit event) in (t, t+within], or (t, as_of] without
//     within — counted from the trigger, since the contract's window bounds the journey,
//     which holdout journeys have too, while a first send they never get. To count each
//     conversion once, the window also ends at the start of the person's next journey of
//     the campaign (a later journey takes the conversions after its trigger). The revenue
//     of a conversion is the converting event's revenue.
//   - Collisions. A person-day (UTC) with more than one message sent across all the
//     campaigns replayed together; a campaign's count is the collisions it took part in.
//   - Days are UTC calendar days of the instant counted: journeys by their trigger,
//     sends by their (deferred) send time, exits and conversions by their event.
package sim
