Feature: Monitoring
  How response to IVIG is followed, and how the response reported on a
  continuation request decides whether IVIG goes on.

  @MON-PLAN @cite.source-assessment
  Rule: Response is monitored at every visit
    Creatine kinase is monitored regularly to assess the biochemical response. Muscle strength is examined at each visit, and rash and functional status are documented at each visit.

    Scenario: The source case carries the monitoring plan
      Given a request like the source case
      When the request is assessed
      Then MON-PLAN applies
      And the monitoring are MON-PLAN

    Scenario: A continuation carries the monitoring plan
      Given a continuation request like the source case
      When the request is assessed
      Then MON-PLAN applies
      And the monitoring are MON-PLAN

    Scenario: A modified request carries the monitoring plan
      Given a request like the source case
      And regimen.courses is 12
      When the request is assessed
      Then the decision is modify
      And MON-PLAN applies
      And the monitoring include MON-PLAN

  @MON-TRIAL @cite.source-assessment @cite.dalakas-1993
  Rule: A full 12-week trial is allowed
    A full 12-week trial of IVIG is allowed before treatment is declared a failure.

    @boundary
    Scenario Outline: A continuation without clinical improvement before 12 weeks is approved with trial advice
      Given a continuation request like the source case
      And response.weeks_on_therapy is <weeks>
      And response.strength is unchanged
      And response.function is unchanged
      And response.rash is absent
      And response.ck is unchanged
      When the request is assessed
      Then the decision is approve
      And MON-TRIAL applies
      And MON-NO-RESPONSE does not apply
      And MON-NO-RESPONSE is met
      And the advice are DOSE-HIGH, SAFE-AE, MON-TRIAL
      And there are no reasons

      Examples:
        | weeks |
        | 4     |
        | 8     |
        | 11    |

    Scenario: A continuation already improving before 12 weeks needs no trial advice
      Given a continuation request like the source case
      And response.weeks_on_therapy is 8
      When the request is assessed
      Then the decision is approve
      And MON-TRIAL does not apply
      And MON-TRIAL is not applicable
      And the advice do not include MON-TRIAL

    @boundary
    Scenario: A continuation without clinical improvement at 12 weeks is past the trial
      Given a continuation request like the source case
      And response.weeks_on_therapy is 12
      And response.strength is unchanged
      And response.function is unchanged
      And response.rash is absent
      When the request is assessed
      Then MON-TRIAL does not apply
      And the advice do not include MON-TRIAL

    Scenario: A first request carries no trial advice
      Given a request like the source case
      When the request is assessed
      Then MON-TRIAL does not apply
      And MON-TRIAL is not applicable
      And the advice do not include MON-TRIAL

  @MON-NO-RESPONSE @cite.source-assessment @cite.dalakas-1993
  Rule: No clinical improvement after 12 weeks ends IVIG
    If muscle strength, function and rash have not improved after 12 weeks of IVIG, alternative or additional immunosuppression should be considered instead of continuing IVIG. A fall in creatine kinase alone is a biochemical response, not clinical improvement.

    @boundary
    Scenario Outline: A continuation without clinical improvement is denied from 12 weeks on
      Given a continuation request like the source case
      And response.weeks_on_therapy is <weeks>
      And response.strength is unchanged
      And response.function is unchanged
      And response.rash is absent
      And response.ck is unchanged
      When the request is assessed
      Then the decision is <decision>
      And MON-NO-RESPONSE <outcome>
      And MON-NO-RESPONSE is <reported>

      Examples:
        | weeks | decision | outcome        | reported |
        | 12    | deny     | applies        | not met  |
        | 11    | approve  | does not apply | met      |

    Scenario: A fall in creatine kinase alone is not clinical improvement
      Given a continuation request like the source case
      And response.weeks_on_therapy is 16
      And response.strength is unchanged
      And response.function is unchanged
      And response.rash is absent
      And response.ck is decreased
      When the request is assessed
      Then the decision is deny
      And MON-NO-RESPONSE applies
      And the reasons are MON-NO-RESPONSE
      And nothing is authorized

    Scenario: A continuation with worsening after 12 weeks is denied
      Given a continuation request like the source case
      And response.weeks_on_therapy is 20
      And response.strength is worsened
      And response.function is worsened
      And response.rash is unchanged
      And response.ck is increased
      When the request is assessed
      Then the decision is deny
      And the reasons are MON-NO-RESPONSE

    Scenario Outline: Improvement in strength, function or rash after 12 weeks is clinical improvement
      Given a continuation request like the source case
      And response.weeks_on_therapy is 16
      And response.strength is <strength>
      And response.function is <function>
      And response.rash is <rash>
      And response.ck is unchanged
      When the request is assessed
      Then the decision is approve
      And MON-NO-RESPONSE does not apply
      And there are no reasons

      Examples:
        | strength  | function  | rash      |
        | improved  | unchanged | absent    |
        | unchanged | improved  | absent    |
        | unchanged | unchanged | improved  |
        | improved  | worsened  | unchanged |

    Scenario: The source continuation with improved strength and function is approved
      Given a continuation request like the source case
      When the request is assessed
      Then the decision is approve
      And MON-NO-RESPONSE does not apply
      And MON-NO-RESPONSE is met
      And there are no changes
      And there are no reasons

    Scenario: A continuation without response data is pended for it
      Given a continuation request like the source case
      And response is not stated
      When the request is assessed
      Then the decision is pend
      And the reasons are MON-NO-RESPONSE
      And MON-NO-RESPONSE is missing response
      And MON-NO-RESPONSE is unknown
      And nothing is authorized

    Scenario: A continuation that does not say whether strength improved is pended for it
      Given a continuation request like the source case
      And response.strength is not stated
      And response.function is unchanged
      When the request is assessed
      Then the decision is pend
      And the reasons are MON-NO-RESPONSE
      And MON-NO-RESPONSE is missing response.strength
      And MON-NO-RESPONSE is unknown

    Scenario: A continuation without improvement that does not say how long IVIG was given is pended for the weeks
      Given a continuation request like the source case
      And response.weeks_on_therapy is not stated
      And response.strength is unchanged
      And response.function is unchanged
      When the request is assessed
      Then the decision is pend
      And the reasons are MON-NO-RESPONSE
      And MON-NO-RESPONSE is missing response.weeks_on_therapy
      And MON-NO-RESPONSE is unknown

    @boundary
    Scenario Outline: A continuation reporting neither strength, function nor rash is pended for them from 12 weeks on
      Given a continuation request like the source case
      And response.weeks_on_therapy is <weeks>
      And response.strength is not stated
      And response.function is not stated
      And response.rash is not stated
      When the request is assessed
      Then the decision is <decision>
      And MON-NO-RESPONSE is <reported>

      Examples:
        | weeks | decision | reported |
        | 11    | approve  | met      |
        | 12    | pend     | unknown  |

    Scenario: A continuation at 12 weeks without strength, function or rash is pended for all three
      Given a continuation request like the source case
      And response.weeks_on_therapy is 12
      And response.strength is not stated
      And response.function is not stated
      And response.rash is not stated
      When the request is assessed
      Then the reasons are MON-NO-RESPONSE
      And MON-NO-RESPONSE is missing response.strength, response.function, response.rash

    Scenario: A first request is not judged on response
      Given a request like the source case
      When the request is assessed
      Then MON-NO-RESPONSE does not apply
      And MON-NO-RESPONSE is not applicable

  @MON-COMPLETE @cite.source-assessment
  Rule: After a complete response the interval may be lengthened
    Once a complete clinical response is achieved, the interval between courses may be lengthened.

    Scenario: A continuation after a complete clinical response is advised that the interval may be lengthened
      Given a continuation request like the source case
      And response.complete_response is true
      When the request is assessed
      Then the decision is approve
      And MON-COMPLETE applies
      And the advice are DOSE-HIGH, SAFE-AE, MON-COMPLETE

    Scenario: A lengthened interval after a complete response is authorized as requested
      Given a continuation request like the source case
      And response.complete_response is true
      And regimen.interval_days is 56
      When the request is assessed
      Then the decision is approve
      And there are no changes
      And the authorized interval_days is 56
      And the advice include MON-COMPLETE

    Scenario: A continuation without a complete response gets no interval advice
      Given a continuation request like the source case
      When the request is assessed
      Then MON-COMPLETE does not apply
      And MON-COMPLETE is not applicable
      And the advice do not include MON-COMPLETE

    Scenario: A first request gets no interval advice
      Given a request like the source case
      When the request is assessed
      Then MON-COMPLETE does not apply
      And MON-COMPLETE is not applicable
